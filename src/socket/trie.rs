//! Subscription tries: prefix matching whose cost follows the topic length,
//! not the number of subscriptions.
//!
//! One node per topic byte; a node's children are kept sorted by byte so a
//! step is a binary search over at most 256 keys. Every walk is iterative
//! (topics come from the network and may be megabytes long), and so is
//! dropping a node, so no input can exhaust the stack.
//!
//! Two flavours sit on the generic [`Trie`]:
//! - [`SubTrie`] (SUB/XSUB): counted duplicates, subscribe twice and
//!   unsubscribe once still matches.
//! - [`MTrie`] (XPUB/PUB): per topic, the set of pipe slots subscribed to it.

/// A node value that may be "nothing here" (such nodes can be pruned).
pub trait TrieValue: Default {
    fn is_empty(&self) -> bool;
}

impl TrieValue for u32 {
    fn is_empty(&self) -> bool {
        *self == 0
    }
}

impl TrieValue for Vec<usize> {
    fn is_empty(&self) -> bool {
        Vec::is_empty(self)
    }
}

struct Node<V> {
    /// Sorted child bytes; `kids[i]` hangs under `keys[i]`.
    keys: Vec<u8>,
    kids: Vec<Node<V>>,
    value: V,
}

impl<V: Default> Default for Node<V> {
    fn default() -> Self {
        Node {
            keys: Vec::new(),
            kids: Vec::new(),
            value: V::default(),
        }
    }
}

impl<V> Drop for Node<V> {
    /// Flatten the subtree first so a long chain does not recurse.
    fn drop(&mut self) {
        let mut stack = std::mem::take(&mut self.kids);
        while let Some(mut n) = stack.pop() {
            stack.append(&mut n.kids);
        }
    }
}

impl<V> Node<V> {
    #[inline]
    fn child(&self, b: u8) -> Option<&Node<V>> {
        // Few children: a linear scan beats a binary search on cache.
        let i = if self.keys.len() <= 8 {
            self.keys.iter().position(|&k| k == b)?
        } else {
            self.keys.binary_search(&b).ok()?
        };
        Some(&self.kids[i])
    }

    fn child_mut(&mut self, b: u8) -> Option<&mut Node<V>> {
        let i = self.keys.binary_search(&b).ok()?;
        Some(&mut self.kids[i])
    }
}

/// A byte-wise prefix trie with a value per node.
pub struct Trie<V: TrieValue> {
    root: Node<V>,
}

impl<V: TrieValue> Default for Trie<V> {
    fn default() -> Self {
        Trie {
            root: Node::default(),
        }
    }
}

impl<V: TrieValue> Trie<V> {
    /// The value at `key`, creating the path to it.
    pub fn entry(&mut self, key: &[u8]) -> &mut V {
        let mut n = &mut self.root;
        for &b in key {
            let i = match n.keys.binary_search(&b) {
                Ok(i) => i,
                Err(i) => {
                    n.keys.insert(i, b);
                    n.kids.insert(i, Node::default());
                    i
                }
            };
            n = &mut n.kids[i];
        }
        &mut n.value
    }

    pub fn get_mut(&mut self, key: &[u8]) -> Option<&mut V> {
        let mut n = &mut self.root;
        for &b in key {
            n = n.child_mut(b)?;
        }
        Some(&mut n.value)
    }

    /// Remove the nodes that only existed to hold `key`'s value, now that
    /// it is empty.
    pub fn prune(&mut self, key: &[u8]) {
        // The deepest node on the path that must stay (the root, or one with
        // a value or another child); the edge below it is cut.
        let mut cut = 0;
        let mut n = &self.root;
        for (depth, &b) in key.iter().enumerate() {
            if depth == 0 || !n.value.is_empty() || n.keys.len() > 1 {
                cut = depth;
            }
            match n.child(b) {
                Some(c) => n = c,
                None => return,
            }
        }
        if key.is_empty() || !n.value.is_empty() || !n.kids.is_empty() {
            return;
        }
        let mut m = &mut self.root;
        for &b in &key[..cut] {
            m = m.child_mut(b).expect("path exists");
        }
        if let Ok(i) = m.keys.binary_search(&key[cut]) {
            m.keys.remove(i);
            m.kids.remove(i);
        }
    }

    /// Call `f` with the value of every non-empty node whose key is a prefix
    /// of `data` (the empty key included), shortest first.
    #[inline]
    pub fn for_each_prefix(&self, data: &[u8], mut f: impl FnMut(&V)) {
        let mut n = &self.root;
        if !n.value.is_empty() {
            f(&n.value);
        }
        for &b in data {
            match n.child(b) {
                Some(c) => n = c,
                None => return,
            }
            if !n.value.is_empty() {
                f(&n.value);
            }
        }
    }

    /// Is any non-empty node's key a prefix of `data`?
    #[inline]
    pub fn has_prefix_of(&self, data: &[u8]) -> bool {
        let mut n = &self.root;
        if !n.value.is_empty() {
            return true;
        }
        for &b in data {
            match n.child(b) {
                Some(c) => n = c,
                None => return false,
            }
            if !n.value.is_empty() {
                return true;
            }
        }
        false
    }

    /// Visit every non-empty node with its key (depth first, keys ascending).
    pub fn for_each(&self, mut f: impl FnMut(&[u8], &V)) {
        let mut key = Vec::new();
        // (node, index of the next child to visit)
        let mut stack: Vec<(&Node<V>, usize)> = vec![(&self.root, 0)];
        if !self.root.value.is_empty() {
            f(&key, &self.root.value);
        }
        while let Some(top) = stack.last_mut() {
            let (n, i) = *top;
            if i < n.kids.len() {
                top.1 += 1;
                let c = &n.kids[i];
                key.push(n.keys[i]);
                if !c.value.is_empty() {
                    f(&key, &c.value);
                }
                stack.push((c, 0));
            } else {
                stack.pop();
                key.pop();
            }
        }
    }
}

/// SUB/XSUB subscriptions: topics with a reference count.
#[derive(Default)]
pub struct SubTrie {
    trie: Trie<u32>,
    topics: usize,
}

impl SubTrie {
    /// Add one reference; true if the topic is new.
    pub fn add(&mut self, topic: &[u8]) -> bool {
        let c = self.trie.entry(topic);
        *c = c.saturating_add(1);
        let first = *c == 1;
        self.topics += first as usize;
        first
    }

    /// Drop one reference; true if that was the last (the topic is gone).
    /// False also when the topic was not subscribed at all.
    pub fn rm(&mut self, topic: &[u8]) -> bool {
        let Some(c) = self.trie.get_mut(topic) else {
            return false;
        };
        if *c == 0 {
            return false;
        }
        *c -= 1;
        if *c > 0 {
            return false;
        }
        self.topics -= 1;
        self.trie.prune(topic);
        true
    }

    /// Does any subscription match `data` (is a prefix of it)?
    #[inline]
    pub fn check(&self, data: &[u8]) -> bool {
        self.trie.has_prefix_of(data)
    }

    /// Every distinct topic once.
    pub fn for_each_topic(&self, mut f: impl FnMut(&[u8])) {
        self.trie.for_each(|k, _| f(k));
    }

    pub fn num_topics(&self) -> usize {
        self.topics
    }
}

/// What removing a (topic, pipe) pair did.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum RmResult {
    NotFound,
    /// The pipe was the topic's last subscriber.
    LastRemoved,
    /// Other pipes still subscribe to the topic.
    ValuesRemain,
}

/// XPUB/PUB subscriptions: per topic, the pipe slots subscribed to it (a set:
/// a pipe subscribing twice is there once).
#[derive(Default)]
pub struct MTrie {
    trie: Trie<Vec<usize>>,
    topics: usize,
}

impl MTrie {
    /// Subscribe `slot`; true if nobody subscribed to the topic before.
    pub fn add(&mut self, topic: &[u8], slot: usize) -> bool {
        let set = self.trie.entry(topic);
        let first = set.is_empty();
        if !set.contains(&slot) {
            set.push(slot);
        }
        self.topics += first as usize;
        first
    }

    pub fn rm(&mut self, topic: &[u8], slot: usize) -> RmResult {
        let Some(set) = self.trie.get_mut(topic) else {
            return RmResult::NotFound;
        };
        let Some(i) = set.iter().position(|&s| s == slot) else {
            return RmResult::NotFound;
        };
        set.swap_remove(i);
        if !set.is_empty() {
            return RmResult::ValuesRemain;
        }
        self.topics -= 1;
        self.trie.prune(topic);
        RmResult::LastRemoved
    }

    /// Remove `slot` from every topic; `f(topic, last)` for each one it had,
    /// `last` telling whether no pipe subscribes to it any more.
    pub fn rm_pipe(&mut self, slot: usize, mut f: impl FnMut(&[u8], bool)) {
        let mut mine = Vec::new();
        self.trie.for_each(|k, set| {
            if set.contains(&slot) {
                mine.push(k.to_vec());
            }
        });
        for topic in mine {
            let r = self.rm(&topic, slot);
            f(&topic, r == RmResult::LastRemoved);
        }
    }

    /// Call `f` for every pipe subscribed to a prefix of `data` (a pipe may
    /// come more than once if it has several matching prefixes).
    #[inline]
    pub fn for_each_match(&self, data: &[u8], mut f: impl FnMut(usize)) {
        self.trie.for_each_prefix(data, |set| {
            for &s in set {
                f(s);
            }
        });
    }

    pub fn num_topics(&self) -> usize {
        self.topics
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn counted_subscriptions() {
        let mut t = SubTrie::default();
        assert!(!t.check(b"abc"));
        assert!(t.add(b"ab"));
        assert!(!t.add(b"ab"));
        assert!(t.check(b"abc"));
        assert!(t.check(b"ab"));
        assert!(!t.check(b"a"));
        assert!(!t.check(b"xab"));
        assert!(!t.rm(b"ab"));
        assert!(t.check(b"abc"));
        assert!(t.rm(b"ab"));
        assert!(!t.check(b"abc"));
        assert!(!t.rm(b"ab"));
        assert!(!t.rm(b"zz"));
        assert_eq!(t.num_topics(), 0);
    }

    #[test]
    fn empty_topic_matches_all() {
        let mut t = SubTrie::default();
        t.add(b"");
        assert!(t.check(b""));
        assert!(t.check(b"anything"));
        assert!(t.rm(b""));
        assert!(!t.check(b"anything"));
    }

    #[test]
    fn prune_keeps_shared_paths() {
        let mut t = SubTrie::default();
        t.add(b"abc");
        t.add(b"abd");
        t.add(b"a");
        assert!(t.rm(b"abc"));
        assert!(t.check(b"abd"));
        assert!(t.check(b"a"));
        assert!(t.rm(b"a"));
        assert!(t.check(b"abdx"));
        assert!(!t.check(b"ab"));
        assert!(t.rm(b"abd"));
        assert!(t.trie.root.kids.is_empty(), "fully pruned");
    }

    #[test]
    fn enumerate_topics() {
        let mut t = SubTrie::default();
        for k in [&b"b"[..], b"", b"ab", b"abc", b"ab"] {
            t.add(k);
        }
        let mut seen = Vec::new();
        t.for_each_topic(|k| seen.push(k.to_vec()));
        assert_eq!(
            seen,
            vec![b"".to_vec(), b"ab".to_vec(), b"abc".to_vec(), b"b".to_vec()]
        );
        assert_eq!(t.num_topics(), 4);
    }

    #[test]
    fn mtrie_sets() {
        let mut t = MTrie::default();
        assert!(t.add(b"a", 1));
        assert!(!t.add(b"a", 2));
        assert!(!t.add(b"a", 1));
        assert!(t.add(b"ab", 1));
        let mut m = Vec::new();
        t.for_each_match(b"abc", |s| m.push(s));
        m.sort();
        assert_eq!(m, vec![1, 1, 2]);
        assert_eq!(t.rm(b"a", 1), RmResult::ValuesRemain);
        assert_eq!(t.rm(b"a", 1), RmResult::NotFound);
        assert_eq!(t.rm(b"zz", 1), RmResult::NotFound);
        let mut gone = Vec::new();
        t.rm_pipe(2, |k, last| gone.push((k.to_vec(), last)));
        assert_eq!(gone, vec![(b"a".to_vec(), true)]);
        assert_eq!(t.num_topics(), 1);
        assert_eq!(t.rm(b"ab", 1), RmResult::LastRemoved);
        assert_eq!(t.num_topics(), 0);
    }

    #[test]
    fn long_topic_does_not_recurse() {
        let topic = vec![b'x'; 1 << 20];
        let mut t = SubTrie::default();
        t.add(&topic);
        assert!(t.check(&topic));
        let mut n = 0;
        t.for_each_topic(|_| n += 1);
        assert_eq!(n, 1);
        assert!(t.rm(&topic));
        t.add(&topic);
        drop(t);
    }

    /// 10,000 subscriptions: a match walks the topic, not the subscriptions.
    #[test]
    fn ten_thousand_subscriptions_match_fast() {
        let mut t = SubTrie::default();
        let mut m = MTrie::default();
        for i in 0..10_000u32 {
            let topic = format!("topic/{i:05}/");
            t.add(topic.as_bytes());
            m.add(topic.as_bytes(), (i % 64) as usize);
        }
        assert_eq!(t.num_topics(), 10_000);
        let msgs: Vec<Vec<u8>> = (0..1000u32)
            .map(|i| format!("topic/{:05}/payload", i * 10 + 3).into_bytes())
            .collect();
        let rounds = 200;
        let start = Instant::now();
        let mut hits = 0usize;
        let mut pipes = 0usize;
        for _ in 0..rounds {
            for msg in &msgs {
                hits += t.check(std::hint::black_box(msg)) as usize;
                m.for_each_match(msg, |_| pipes += 1);
            }
            hits += t.check(b"topic/99999/") as usize;
        }
        let per = start.elapsed() / (rounds * (msgs.len() as u32 + 1));
        println!("10k subscriptions: {per:?} per SUB check + XPUB match");
        assert_eq!(hits, rounds as usize * msgs.len());
        assert_eq!(pipes, rounds as usize * msgs.len());
        for i in 0..10_000u32 {
            let topic = format!("topic/{i:05}/");
            assert!(t.rm(topic.as_bytes()));
            assert_eq!(
                m.rm(topic.as_bytes(), (i % 64) as usize),
                RmResult::LastRemoved
            );
        }
        assert_eq!(t.num_topics(), 0);
        assert_eq!(m.num_topics(), 0);
    }
}
