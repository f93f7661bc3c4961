//! Z85 decoding (zmq_z85_decode, CURVE keys given as text: options and ZAP
//! credentials): any text decodes or fails cleanly, and what decodes
//! encodes back to the same text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zmq::util::z85;

fuzz_target!(|data: &[u8]| {
    if let Ok(bytes) = z85::decode_bytes(data) {
        assert_eq!(bytes.len() * 5, data.len() * 4);
        assert_eq!(z85::encode(&bytes).unwrap().as_bytes(), data);
    }
    if let Ok(key) = z85::decode_key(data) {
        assert_eq!(&z85::encode_key(&key)[..], data);
    }
});
