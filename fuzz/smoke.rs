// The fuzz targets' smoke run, `include!`d into each owning crate's test module (so it needs
// no crate of its own and no nightly toolchain): every file of `fuzz/corpus/<target>/`, then
// a bounded number of deterministic mutations of them, through the same function the
// cargo-fuzz target calls. `TESSERA_FUZZ_SMOKE=<n>` runs n mutations instead of the default.
// A failing input is written to `<temp dir>/tessera-fuzz-smoke-<target>` (replay it with
// `scripts/fuzz.sh <target> -- <file>`).

/// Runs the saved corpus of `target` and `mutations` mutated inputs through `run`.
fn smoke(target: &str, run: fn(&[u8]), mutations: usize) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    let corpus: Vec<Vec<u8>> = files.iter().map(|p| std::fs::read(p).unwrap()).collect();
    assert!(!corpus.is_empty(), "{} holds no corpus", dir.display());
    for (file, input) in files.iter().zip(&corpus) {
        smoke_one(target, run, input, &file.display().to_string());
    }
    let mutations = std::env::var("TESSERA_FUZZ_SMOKE")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(mutations);
    // A fixed seed per target: the same inputs on every run.
    let seed = target.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    let mut rng = SmokeRng(seed | 1);
    for i in 0..mutations {
        let mut input = corpus[rng.below(corpus.len())].clone();
        smoke_mutate(&mut input, &mut rng, &corpus);
        smoke_one(target, run, &input, &format!("mutation {i}"));
    }
}

fn smoke_one(target: &str, run: fn(&[u8]), input: &[u8], what: &str) {
    let outcome = std::panic::catch_unwind(|| run(input));
    if outcome.is_err() {
        let saved = std::env::temp_dir().join(format!("tessera-fuzz-smoke-{target}"));
        let _ = std::fs::write(&saved, input);
        panic!(
            "fuzz target {target} failed on {what} (saved as {}): {:?}",
            saved.display(),
            String::from_utf8_lossy(input)
        );
    }
}

/// xorshift64*: enough to pick mutations, needs no crate.
struct SmokeRng(u64);

impl SmokeRng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// Bytes that matter to the parsers under test (quotes, escapes, separators, encodings).
#[rustfmt::skip]
const SMOKE_TOKENS: &[&[u8]] = &[
    b"\"", b"\\", b"\\\"", b"=", b"^=", b"\n", b"\r\n", b"\n\n", b"%", b"%2", b"%00", b"%ZZ",
    b"+", b"&", b";", b",", b".", b"..", b"/", b"//", b":", b"'", b"<", b">", b" ", b"\t",
    b"{", b"}", b"[", b"]", b"null", b"true", b"0", b"-1", b"2147483648",
    b"9223372036854775807", b"-9223372036854775808",
    b"99999999999999999999", b"1e999", b"-0.0", b"\xff", b"\xc3\xa9", b"\xe2\x80\xa8",
    b"\xf0\x9f\x98\x80", b"\x00", b"==", b"AAAA",
];

fn smoke_mutate(input: &mut Vec<u8>, rng: &mut SmokeRng, corpus: &[Vec<u8>]) {
    for _ in 0..1 + rng.below(4) {
        let len = input.len();
        let at = rng.below(len + 1);
        match rng.below(8) {
            0 if len > 0 => {
                let i = rng.below(len);
                input[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                input[i] = rng.next() as u8;
            }
            2 => input.insert(at, rng.next() as u8),
            3 => {
                let token = SMOKE_TOKENS[rng.below(SMOKE_TOKENS.len())];
                input.splice(at..at, token.iter().copied());
            }
            4 if at < len => {
                let end = at + 1 + rng.below((len - at).min(16));
                input.drain(at..end);
            }
            5 if at < len => {
                let end = at + 1 + rng.below((len - at).min(32));
                let piece = input[at..end].to_vec();
                let to = rng.below(input.len() + 1);
                input.splice(to..to, piece);
            }
            6 => {
                let other = &corpus[rng.below(corpus.len())];
                let from = rng.below(other.len() + 1);
                let end = from + rng.below(other.len() - from + 1);
                input.splice(at..at, other[from..end].iter().copied());
            }
            7 => input.truncate(at),
            _ => input.push(rng.next() as u8),
        }
    }
    input.truncate(64 * 1024);
}
