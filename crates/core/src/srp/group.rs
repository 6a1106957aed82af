//! The 3072-bit group of RFC 5054 appendix A (`g = 2`), the multiplier `k`, and a table of
//! powers of `g` for fast constant-time fixed-base exponentiation.

use std::sync::LazyLock;

use aws_lc_rs::digest;
use crypto_bigint::modular::ConstMontyForm;
use crypto_bigint::{Choice, CtAssign, U3072, const_monty_params};

/// N of RFC 5054 appendix A, 3072-bit group (also RFC 3526 group 15), as the clients carry it.
const N_HEX: &str = concat!(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1",
    "29024E088A67CC74020BBEA63B139B22514A08798E3404DD",
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245",
    "E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED",
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3D",
    "C2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F",
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D",
    "670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B",
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9",
    "DE2BCBF6955817183995497CEA956AE515D2261898FA0510",
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64",
    "ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7",
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6B",
    "F12FFA06D98A0864D87602733EC86A64521F2B18177B200C",
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB31",
    "43DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
);

const_monty_params!(Modulus, U3072, N_HEX, "N of the RFC 5054 3072-bit group.");

/// A residue mod N in Montgomery form.
pub(super) type Fe = ConstMontyForm<Modulus, { U3072::LIMBS }>;

/// Bits of exponent per table window.
const WINDOW: usize = 4;
/// Exponents the table covers (bytes): `x` (a SHA-256) and `b` are 32 bytes.
const EXP_LEN: usize = 32;
const WINDOWS: usize = EXP_LEN * 8 / WINDOW;
const ENTRIES: usize = 1 << WINDOW;

/// Constants derived once per process.
pub(super) struct Group {
    /// k = H(PAD(N) | PAD(g)).
    pub(super) k: Fe,
    /// `table[i][j] = g^(j * 16^i)`: 64 windows of 16 entries (384 KiB), built on first use.
    table: Vec<[Fe; ENTRIES]>,
}

static GROUP: LazyLock<Group> = LazyLock::new(Group::new);

impl Group {
    pub(super) fn get() -> &'static Group {
        &GROUP
    }

    fn new() -> Group {
        let n = Fe::MODULUS.as_ref().to_be_bytes();
        let mut ctx = digest::Context::new(&digest::SHA256);
        ctx.update(&super::pad(n.as_ref()));
        ctx.update(&super::pad(&[2]));
        let k = ctx.finish();
        let k = Fe::new(&U3072::from_be_slice(&super::left_pad::<
            { super::GROUP_LEN },
        >(k.as_ref())));

        let mut table = Vec::with_capacity(WINDOWS);
        let mut base = Fe::new(&U3072::from_u8(2));
        for _ in 0..WINDOWS {
            let mut row = [Fe::ONE; ENTRIES];
            for j in 1..ENTRIES {
                row[j] = row[j - 1].mul(&base);
            }
            // g^(16^(i+1)) = (g^(16^i))^15 * g^(16^i)
            base = row[ENTRIES - 1].mul(&base);
            table.push(row);
        }
        Group { k, table }
    }

    /// g^e mod N for a 256-bit big-endian exponent: one multiplication per 4-bit window, each
    /// table entry read by a constant-time scan of its row, so neither the time nor the
    /// memory accessed depend on `e`.
    pub(super) fn g_pow(&self, e: &[u8; EXP_LEN]) -> Fe {
        let mut acc = Fe::ONE;
        for (i, row) in self.table.iter().enumerate() {
            let byte = e[EXP_LEN - 1 - i / 2];
            let digit = (byte >> (4 * (i % 2))) & 0x0f;
            let mut entry = row[0];
            for (j, candidate) in row.iter().enumerate().skip(1) {
                // j < 16 always fits a u8.
                entry.ct_assign(candidate, Choice::from_u8_eq(digit, j as u8));
            }
            acc = acc.mul(&entry);
        }
        acc
    }
}
