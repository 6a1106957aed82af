//! How hosted pages look: `SetUICustomization` / `GetUICustomization` (the classic hosted
//! UI's CSS and logo) and the managed login branding styles (`CreateManagedLoginBranding`,
//! `DescribeManagedLoginBranding`, `DescribeManagedLoginBrandingByClient`,
//! `UpdateManagedLoginBranding`, `DeleteManagedLoginBranding`), and [`PageStyle`], what the
//! hosted pages take from them.
//!
//! A UI customization is keyed by app client id, or `ALL` for the pool's default: "If you
//! specify `ALL`, the default configuration will be used for every client that has no UI
//! customization set previously" (API reference, SetUICustomization). Its logo is answered as a
//! `data:` URL, so nothing else needs serving. A branding style belongs to one app client;
//! its `Settings` document is kept as given (Tessera does not merge Cognito's defaults, so
//! `ReturnMergedResources` answers what is stored).

pub mod check;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tessera_wire::idp::{
    AssetType, CreateManagedLoginBrandingRequest, ManagedLoginBrandingType,
    SetUICustomizationRequest, UICustomizationType, UpdateManagedLoginBrandingRequest,
};

use self::check::{ImageKind, check_css, sniff_image};
use super::{new_doc, read_doc};
use crate::store::{DocKind, DocumentRecord, StoreError};
use crate::{CoreError, Tessera};

/// The key of the pool-wide UI customization.
pub const ALL: &str = "ALL";
/// "The maximum allowable size for a logo image file is 100 KB."
pub const MAX_LOGO_BYTES: usize = 100 * 1024;

/// What a hosted page of an app client is styled with.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageStyle {
    /// The client's UI customization CSS, else the pool's (`ALL`) one; already checked.
    pub css: Option<String>,
    /// The logo of that same customization, as a `data:image/...;base64,` URL.
    pub logo_data_url: Option<String>,
    /// The `Settings` document of the client's managed login branding style.
    pub settings: Option<Value>,
    /// That style's form or header logo, as a data URL.
    pub branding_logo: Option<String>,
    /// That style's page background image, as a data URL.
    pub background_data_url: Option<String>,
}

/// A branding style as stored: the style and the app client it is assigned to (which
/// `ManagedLoginBrandingType` does not carry).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredBranding {
    #[serde(rename = "ClientId")]
    client_id: String,
    #[serde(rename = "Branding")]
    branding: ManagedLoginBrandingType,
}

fn invalid(msg: impl Into<String>) -> CoreError {
    CoreError::InvalidParameter(msg.into())
}

fn seconds(ms: i64) -> f64 {
    ms as f64 / 1000.0
}

fn branding_not_found() -> CoreError {
    CoreError::ResourceNotFound("Managed login branding style does not exist.".into())
}

fn decode_blob(what: &str, b64: &str) -> Result<Vec<u8>, CoreError> {
    STANDARD
        .decode(b64.trim())
        .map_err(|_| invalid(format!("{what} is not valid base64.")))
}

/// The logo of a UI customization, as a data URL.
fn logo_url(b64: &str) -> Result<String, CoreError> {
    let bytes = decode_blob("ImageFile", b64)?;
    if bytes.len() > MAX_LOGO_BYTES {
        return Err(invalid(
            "The maximum allowable size for a logo image file is 100 KB.",
        ));
    }
    let kind = sniff_image(&bytes)
        .filter(|k| matches!(k, ImageKind::Png | ImageKind::Jpeg | ImageKind::Svg))
        .ok_or_else(|| invalid("ImageFile must be a PNG, JPEG or SVG image."))?;
    Ok(format!(
        "data:{};base64,{}",
        kind.mime(),
        STANDARD.encode(&bytes)
    ))
}

/// Checks assets: readable images of the format their `Extension` names, one per category
/// and colour mode.
fn check_assets(assets: &[AssetType]) -> Result<(), CoreError> {
    let mut seen = std::collections::HashSet::new();
    for a in assets {
        if !seen.insert((a.category.as_str(), a.color_mode.as_str())) {
            return Err(invalid(format!(
                "Assets has more than one {} asset for color mode {}.",
                a.category, a.color_mode
            )));
        }
        let Some(b64) = &a.bytes else { continue };
        let bytes = decode_blob("Asset Bytes", b64)?;
        match sniff_image(&bytes) {
            Some(kind) if kind.extension() == a.extension => {}
            _ => {
                return Err(invalid(format!(
                    "The {} asset is not a {} image.",
                    a.category, a.extension
                )));
            }
        }
    }
    Ok(())
}

fn check_settings(settings: Option<&Value>) -> Result<(), CoreError> {
    match settings {
        None | Some(Value::Object(_)) => Ok(()),
        Some(_) => Err(invalid("Settings must be a JSON object.")),
    }
}

fn check_defaults_alone(
    use_defaults: Option<bool>,
    settings: Option<&Value>,
    assets: Option<&Vec<AssetType>>,
) -> Result<(), CoreError> {
    if use_defaults == Some(true) && (settings.is_some() || assets.is_some_and(|a| !a.is_empty())) {
        return Err(invalid(
            "When UseCognitoProvidedValues is true, you must omit values for Settings and Assets.",
        ));
    }
    Ok(())
}

/// `base` with `patch` laid over it: objects merge member by member, anything else replaces.
fn merge(base: &mut Value, patch: Value) {
    match (base, patch) {
        (Value::Object(b), Value::Object(p)) => {
            for (k, v) in p {
                match b.get_mut(&k) {
                    Some(slot) => merge(slot, v),
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (slot, p) => *slot = p,
    }
}

impl Tessera {
    /// `SetUICustomization`: replaces the CSS and the logo of an app client (or of `ALL`).
    pub async fn set_ui_customization(
        &self,
        req: SetUICustomizationRequest,
    ) -> Result<UICustomizationType, CoreError> {
        let pool = self.load_pool(&req.user_pool_id).await?;
        if pool.config.domain.is_none() && pool.config.custom_domain.is_none() {
            return Err(invalid(
                "To use this feature, your user pool must have a domain associated with it.",
            ));
        }
        let key = req.client_id.unwrap_or_else(|| ALL.to_string());
        if key != ALL {
            self.check_pool_client(&pool.id, &key).await?;
        }
        if let Some(css) = &req.css {
            check_css(css)?;
        }
        let image_url = req.image_file.as_deref().map(logo_url).transpose()?;
        for _ in 0..crate::MAX_RETRIES {
            let now = self.clock.now_millis();
            let mut ui = UICustomizationType {
                css: req.css.clone(),
                css_version: None,
                client_id: Some(key.clone()),
                creation_date: Some(seconds(now)),
                image_url: image_url.clone(),
                last_modified_date: Some(seconds(now)),
                user_pool_id: Some(pool.id.clone()),
            };
            match self
                .store
                .get_document(&pool.id, DocKind::UiCustomization, &key)
                .await?
            {
                Some(rec) => {
                    let old: UICustomizationType = read_doc(&rec)?;
                    ui.creation_date = old.creation_date;
                    ui.last_modified_date = Some(seconds(now.max(rec.modified_ms)));
                    ui.css_version = Some((rec.version + 1).to_string());
                    match self.replace_doc(&rec, &ui).await {
                        Ok(()) => return Ok(ui),
                        Err(CoreError::ConcurrentModification(_)) => continue,
                        Err(e) => return Err(e),
                    }
                }
                None => {
                    ui.css_version = Some("1".into());
                    let rec = new_doc(&pool.id, DocKind::UiCustomization, &key, &ui, now)?;
                    match self.store.insert_document(&rec).await {
                        Ok(()) => return Ok(ui),
                        Err(StoreError::Conflict(_)) => continue,
                        Err(e) => return Err(e.into()),
                    }
                }
            }
        }
        Err(crate::concurrent_modification("UI customization"))
    }

    /// The UI customization that applies to `key` (an app client id or `ALL`): its own,
    /// else the pool's `ALL` one.
    async fn effective_ui(
        &self,
        pool_id: &str,
        key: &str,
    ) -> Result<Option<UICustomizationType>, CoreError> {
        for k in [key, ALL] {
            if let Some(rec) = self
                .store
                .get_document(pool_id, DocKind::UiCustomization, k)
                .await?
            {
                return read_doc(&rec).map(Some);
            }
        }
        Ok(None)
    }

    /// `GetUICustomization`: the app client's customization, else the pool's `ALL` one (its
    /// `ClientId` says `ALL`), else an empty shape.
    pub async fn get_ui_customization(
        &self,
        pool_id: &str,
        client_id: Option<&str>,
    ) -> Result<UICustomizationType, CoreError> {
        let pool = self.load_pool(pool_id).await?;
        let key = client_id.unwrap_or(ALL);
        if key != ALL {
            self.check_pool_client(&pool.id, key).await?;
        }
        Ok(self.effective_ui(&pool.id, key).await?.unwrap_or_default())
    }

    /// All branding styles of a pool, with their records.
    async fn brandings(
        &self,
        pool_id: &str,
    ) -> Result<Vec<(DocumentRecord, StoredBranding)>, CoreError> {
        self.all_docs(pool_id, DocKind::Branding)
            .await?
            .into_iter()
            .map(|rec| {
                let b = read_doc(&rec)?;
                Ok((rec, b))
            })
            .collect()
    }

    async fn branding_of_client(
        &self,
        pool_id: &str,
        client_id: &str,
    ) -> Result<Option<(DocumentRecord, StoredBranding)>, CoreError> {
        Ok(self
            .brandings(pool_id)
            .await?
            .into_iter()
            .find(|(_, b)| b.client_id == client_id))
    }

    /// `CreateManagedLoginBranding`: one style per app client.
    pub async fn create_managed_login_branding(
        &self,
        req: CreateManagedLoginBrandingRequest,
    ) -> Result<ManagedLoginBrandingType, CoreError> {
        check_defaults_alone(
            req.use_cognito_provided_values,
            req.settings.as_ref(),
            req.assets.as_ref(),
        )?;
        check_settings(req.settings.as_ref())?;
        let assets = req.assets.unwrap_or_default();
        check_assets(&assets)?;
        self.check_pool_client(&req.user_pool_id, &req.client_id)
            .await?;
        if self
            .branding_of_client(&req.user_pool_id, &req.client_id)
            .await?
            .is_some()
        {
            return Err(CoreError::ManagedLoginBrandingExists(
                "A managed login branding style already exists for this app client.".into(),
            ));
        }
        let now = self.clock.now_millis();
        let id = self.random_id();
        let branding = ManagedLoginBrandingType {
            assets: Some(assets),
            creation_date: Some(seconds(now)),
            last_modified_date: Some(seconds(now)),
            managed_login_branding_id: Some(id.clone()),
            settings: req.settings,
            use_cognito_provided_values: Some(req.use_cognito_provided_values.unwrap_or(false)),
            user_pool_id: Some(req.user_pool_id.clone()),
        };
        let stored = StoredBranding {
            client_id: req.client_id,
            branding,
        };
        let rec = new_doc(&req.user_pool_id, DocKind::Branding, &id, &stored, now)?;
        match self.store.insert_document(&rec).await {
            Ok(()) => Ok(stored.branding),
            Err(StoreError::Conflict(_)) => Err(crate::concurrent_modification(
                "managed login branding style",
            )),
            Err(e) => Err(e.into()),
        }
    }

    async fn load_branding(
        &self,
        pool_id: &str,
        id: &str,
    ) -> Result<(DocumentRecord, StoredBranding), CoreError> {
        let pool = self.load_pool(pool_id).await?;
        let rec = self
            .store
            .get_document(&pool.id, DocKind::Branding, id)
            .await?
            .ok_or_else(branding_not_found)?;
        let b = read_doc(&rec)?;
        Ok((rec, b))
    }

    /// `DescribeManagedLoginBranding` (`ReturnMergedResources` answers what is stored).
    pub async fn describe_managed_login_branding(
        &self,
        pool_id: &str,
        id: &str,
    ) -> Result<ManagedLoginBrandingType, CoreError> {
        Ok(self.load_branding(pool_id, id).await?.1.branding)
    }

    /// `DescribeManagedLoginBrandingByClient`.
    pub async fn describe_managed_login_branding_by_client(
        &self,
        pool_id: &str,
        client_id: &str,
    ) -> Result<ManagedLoginBrandingType, CoreError> {
        self.check_pool_client(pool_id, client_id).await?;
        self.branding_of_client(pool_id, client_id)
            .await?
            .map(|(_, b)| b.branding)
            .ok_or_else(branding_not_found)
    }

    /// `UpdateManagedLoginBranding`: "Amazon Cognito [...] preserves existing style settings
    /// that you don't specify": `Settings` is merged into the stored document, `Assets`
    /// replace the stored assets of the same category and colour mode, and
    /// `UseCognitoProvidedValues` true returns the style to Cognito's defaults.
    pub async fn update_managed_login_branding(
        &self,
        req: UpdateManagedLoginBrandingRequest,
    ) -> Result<ManagedLoginBrandingType, CoreError> {
        let pool_id = req
            .user_pool_id
            .as_deref()
            .ok_or_else(|| invalid("UserPoolId is required."))?;
        let id = req
            .managed_login_branding_id
            .as_deref()
            .ok_or_else(|| invalid("ManagedLoginBrandingId is required."))?;
        check_defaults_alone(
            req.use_cognito_provided_values,
            req.settings.as_ref(),
            req.assets.as_ref(),
        )?;
        check_settings(req.settings.as_ref())?;
        if let Some(assets) = &req.assets {
            check_assets(assets)?;
        }
        for _ in 0..crate::MAX_RETRIES {
            let (rec, mut stored) = self.load_branding(pool_id, id).await?;
            let b = &mut stored.branding;
            if req.use_cognito_provided_values == Some(true) {
                b.settings = None;
                b.assets = Some(Vec::new());
                b.use_cognito_provided_values = Some(true);
            } else {
                if let Some(patch) = req.settings.clone() {
                    match &mut b.settings {
                        Some(base) => merge(base, patch),
                        None => b.settings = Some(patch),
                    }
                }
                if let Some(new) = req.assets.clone() {
                    let mut all: Vec<AssetType> = b.assets.take().unwrap_or_default();
                    all.retain(|old| {
                        !new.iter()
                            .any(|n| n.category == old.category && n.color_mode == old.color_mode)
                    });
                    all.extend(new);
                    if all.len() > 40 {
                        return Err(invalid("A branding style can have at most 40 assets."));
                    }
                    all.sort_by(|a, b| {
                        (&a.category, &a.color_mode).cmp(&(&b.category, &b.color_mode))
                    });
                    b.assets = Some(all);
                }
                if req.use_cognito_provided_values == Some(false)
                    || req.settings.is_some()
                    || req.assets.is_some()
                {
                    b.use_cognito_provided_values = Some(false);
                }
            }
            b.last_modified_date = Some(seconds(self.clock.now_millis().max(rec.modified_ms)));
            match self.replace_doc(&rec, &stored).await {
                Ok(()) => return Ok(stored.branding),
                Err(CoreError::ConcurrentModification(_)) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(crate::concurrent_modification(
            "managed login branding style",
        ))
    }

    /// `DeleteManagedLoginBranding`.
    pub async fn delete_managed_login_branding(
        &self,
        pool_id: &str,
        id: &str,
    ) -> Result<(), CoreError> {
        let pool = self.load_pool(pool_id).await?;
        if self
            .store
            .delete_document(&pool.id, DocKind::Branding, id)
            .await?
        {
            Ok(())
        } else {
            Err(branding_not_found())
        }
    }

    /// How an app client's hosted pages look: its UI customization (else the pool's `ALL`
    /// one) and the settings of its branding style.
    pub async fn page_style(&self, pool_id: &str, client_id: &str) -> Result<PageStyle, CoreError> {
        let ui = self.effective_ui(pool_id, client_id).await?;
        let branding = self
            .branding_of_client(pool_id, client_id)
            .await?
            .map(|(_, b)| b.branding);
        // The branding style's light-mode (or dynamic) images, as data URLs.
        let asset = |categories: &[&str]| {
            branding.as_ref().and_then(|b| {
                b.assets.iter().flatten().find_map(|a| {
                    let fits = categories.contains(&a.category.as_str()) && a.color_mode != "DARK";
                    let mime = match a.extension.as_str() {
                        "PNG" => "image/png",
                        "JPEG" => "image/jpeg",
                        "SVG" => "image/svg+xml",
                        "WEBP" => "image/webp",
                        "ICO" => "image/x-icon",
                        _ => return None,
                    };
                    let bytes = a.bytes.as_deref().filter(|_| fits)?;
                    Some(format!("data:{mime};base64,{bytes}"))
                })
            })
        };
        let (css, logo_data_url) = ui.map_or((None, None), |u| (u.css, u.image_url));
        Ok(PageStyle {
            css,
            logo_data_url,
            branding_logo: asset(&["FORM_LOGO", "PAGE_HEADER_LOGO"]),
            background_data_url: asset(&["PAGE_BACKGROUND"]),
            settings: branding.and_then(|b| b.settings),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logos_are_checked_and_become_data_urls() {
        let png = STANDARD.encode(b"\x89PNG\r\n\x1a\n0000");
        assert_eq!(
            logo_url(&png).ok(),
            Some(format!("data:image/png;base64,{png}"))
        );
        assert!(logo_url(&STANDARD.encode(b"GIF89a")).is_err());
        assert!(logo_url("!!!").is_err());
        let mut big = b"\x89PNG\r\n\x1a\n".to_vec();
        big.resize(MAX_LOGO_BYTES + 1, 0);
        assert!(logo_url(&STANDARD.encode(&big)).is_err());
    }

    #[test]
    fn settings_merge_member_by_member() {
        let mut base = serde_json::json!({"components": {"form": {"a": 1, "b": 2}}, "x": [1]});
        merge(
            &mut base,
            serde_json::json!({"components": {"form": {"b": 3}}, "x": [2]}),
        );
        assert_eq!(
            base,
            serde_json::json!({"components": {"form": {"a": 1, "b": 3}}, "x": [2]})
        );
    }

    #[test]
    fn defaults_exclude_settings_and_assets() {
        let s = serde_json::json!({});
        assert!(check_defaults_alone(Some(true), Some(&s), None).is_err());
        assert!(check_defaults_alone(Some(true), None, Some(&vec![AssetType::default()])).is_err());
        assert!(check_defaults_alone(Some(true), None, Some(&vec![])).is_ok());
        assert!(check_defaults_alone(Some(false), Some(&s), None).is_ok());
    }

    #[test]
    fn assets_must_be_what_they_say() {
        let asset = |ext: &str, bytes: &[u8]| AssetType {
            bytes: Some(STANDARD.encode(bytes)),
            category: "PAGE_HEADER_LOGO".into(),
            color_mode: "LIGHT".into(),
            extension: ext.into(),
            resource_id: None,
        };
        assert!(check_assets(&[asset("PNG", b"\x89PNG\r\n\x1a\n")]).is_ok());
        assert!(check_assets(&[asset("JPEG", b"\x89PNG\r\n\x1a\n")]).is_err());
        assert!(
            check_assets(&[
                asset("PNG", b"\x89PNG\r\n\x1a\n"),
                asset("PNG", b"\x89PNG\r\n\x1a\n")
            ])
            .is_err()
        );
    }
}
