//! A SOCKS5 proxy's replies as the connecting side reads them (method
//! choice, basic-auth status, connect reply with an IPv4, IPv6 or domain
//! address), in chunks the input picks. Byte 0: credentials or not, and the
//! chunk size.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zmq::transport::socks::SocksClient;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, mut rest)) = data.split_first() else {
        return;
    };
    let creds = (sel & 1 == 1).then(|| (b"user".to_vec(), b"pass".to_vec()));
    let Some(mut client) = SocksClient::new("example.org:5555", creds) else {
        return;
    };
    let chunk = usize::from(sel >> 1) + 1;
    while !rest.is_empty() && !client.done() {
        let out = client.output().len();
        client.consume_output(out);
        let want = client.want();
        assert!(want > 0);
        let n = rest.len().min(chunk);
        if client.input(&rest[..n]).is_err() {
            return;
        }
        rest = &rest[n.min(want)..];
    }
});
