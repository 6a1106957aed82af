//! Values the server key sealed: opened on export, sealed again with the target's key on
//! restore, so an archive moves between installations.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

use super::{backend, corrupt};
use crate::sealing::Purpose;
use crate::store::DocKind;
use crate::{CoreError, Tessera};

/// Opens or seals one value.
pub(super) type Transform<'a> = dyn FnMut(&[u8]) -> Result<Vec<u8>, CoreError> + 'a;

/// Swaps a sealed value at `path` in `v` for its opened (or, `seal`, re-sealed) form.
fn at<'a>(v: &'a mut Value, path: &[&str]) -> Option<&'a mut Value> {
    let mut cur = v;
    for p in path {
        cur = cur.get_mut(*p)?;
    }
    Some(cur)
}

/// Opening: `sealed:<b64>` becomes `<b64>`; sealing: `<b64>` becomes `sealed:<b64>`.
fn strip_or_add_prefix(v: &mut Value, path: &[&str], opening: bool) {
    if let Some(cur) = at(v, path)
        && let Some(s) = cur.as_str()
    {
        let next = if opening {
            s.strip_prefix(SEALED_PREFIX).unwrap_or(s).to_string()
        } else {
            format!("{SEALED_PREFIX}{s}")
        };
        *cur = Value::String(next);
    }
}

fn encode_text(v: &mut Value, path: &[&str]) {
    if let Some(cur) = at(v, path)
        && let Some(s) = cur.as_str()
    {
        *cur = Value::String(STANDARD.encode(s.as_bytes()));
    }
}

fn decode_text(v: &mut Value, path: &[&str]) -> Result<(), CoreError> {
    if let Some(cur) = at(v, path)
        && let Some(s) = cur.as_str()
    {
        let bytes = STANDARD.decode(s).map_err(corrupt)?;
        *cur = Value::String(String::from_utf8(bytes).map_err(corrupt)?);
    }
    Ok(())
}

pub(super) fn reseal(
    v: &mut Value,
    path: &[&str],
    change: &mut Transform<'_>,
) -> Result<(), CoreError> {
    let mut cur = &mut *v;
    for p in path {
        cur = match cur.get_mut(*p) {
            Some(next) => next,
            None => return Ok(()),
        };
    }
    if let Some(s) = cur.as_str() {
        let bytes = STANDARD.decode(s).map_err(corrupt)?;
        *cur = Value::String(STANDARD.encode(change(&bytes)?));
    }
    Ok(())
}

/// Where a document kind keeps values sealed with the server key: the JSON path, the
/// purpose, and whether the associated data is `<pool>/<key>` (else the pool id).
fn sealed_paths(kind: DocKind) -> &'static [(&'static [&'static str], Purpose, bool)] {
    match kind {
        DocKind::IdentityProvider => &[
            (&["details", "client_secret"], Purpose::ClientSecret, true),
            (&["details", "private_key"], Purpose::ClientSecret, true),
        ],
        DocKind::SigningCertificate => &[(&["key"], Purpose::SigningKey, false)],
        _ => &[],
    }
}

/// A provider's secrets are kept as `sealed:<base64>` (federation::providers).
const SEALED_PREFIX: &str = "sealed:";

impl Tessera {
    /// A document as the archive holds it: values sealed with this server key opened.
    pub(super) fn document_out(
        &self,
        kind: DocKind,
        pool_id: &str,
        key: &str,
        doc: &str,
    ) -> Result<String, CoreError> {
        self.document_resealed(kind, pool_id, key, doc, true)
    }

    /// A document from an archive, its secrets sealed with this server key.
    pub(super) fn document_in(
        &self,
        kind: DocKind,
        pool_id: &str,
        key: &str,
        doc: &str,
    ) -> Result<String, CoreError> {
        self.document_resealed(kind, pool_id, key, doc, false)
    }

    fn document_resealed(
        &self,
        kind: DocKind,
        pool_id: &str,
        key: &str,
        doc: &str,
        opening: bool,
    ) -> Result<String, CoreError> {
        let paths = sealed_paths(kind);
        if paths.is_empty() {
            return Ok(doc.to_string());
        }
        let mut v: Value = serde_json::from_str(doc).map_err(backend)?;
        for (path, purpose, per_key) in paths {
            let aad = if *per_key {
                format!("{pool_id}/{key}")
            } else {
                pool_id.to_string()
            };
            // Provider secrets carry a prefix; the archive holds their plain base64.
            let prefixed = kind == DocKind::IdentityProvider;
            if prefixed && opening {
                strip_or_add_prefix(&mut v, path, true);
            }
            let mut change = |b: &[u8]| {
                if opening {
                    self.open_sealed(*purpose, aad.as_bytes(), b)
                } else {
                    Ok(self.seal_again(*purpose, aad.as_bytes(), b))
                }
            };
            if prefixed && !opening {
                // Plain text in the archive: base64 it so `reseal` can seal the bytes.
                encode_text(&mut v, path);
            }
            reseal(&mut v, path, &mut change)?;
            if prefixed && opening {
                decode_text(&mut v, path)?;
            }
            if prefixed && !opening {
                strip_or_add_prefix(&mut v, path, false);
            }
        }
        serde_json::to_string(&v).map_err(backend)
    }

    pub(super) fn open_sealed(
        &self,
        purpose: Purpose,
        aad: &[u8],
        sealed: &[u8],
    ) -> Result<Vec<u8>, CoreError> {
        self.sealer
            .open(purpose, aad, sealed)
            .map_err(|_| backend("a sealed value does not open with this server key"))
    }

    pub(super) fn seal_again(&self, purpose: Purpose, aad: &[u8], plain: &[u8]) -> Vec<u8> {
        self.sealer.seal(purpose, aad, plain, self.rng.as_ref())
    }
}
