//! The development issuer's state file: its private keys and Parra secret, saved by the example
//! server so that `wallet-auth dev-token` can mint tokens it trusts.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use super::{DevError, DevIssuer};

/// The version of the state file's format.
const STATE_VERSION: u64 = 1;

impl DevIssuer {
    /// Where the example server saves its issuer and `wallet-auth dev-token` looks for it:
    /// `<temp dir>/wallet-auth-dev-issuer.json`.
    pub fn default_state_path() -> PathBuf {
        std::env::temp_dir().join("wallet-auth-dev-issuer.json")
    }

    /// Save the private keys (PKCS#8, base64) and the Parra secret as JSON to `path`, readable by
    /// the owner only (mode 0600 on unix). The file is replaced atomically.
    pub fn save(&self, path: &Path) -> Result<(), DevError> {
        let io = |source| DevError::Io {
            path: path.to_path_buf(),
            source,
        };
        let state = json!({
            "warning": "wallet-auth DEVELOPMENT issuer keys: never trust these in production",
            "version": STATE_VERSION,
            "rsa_pkcs8": STANDARD.encode(&self.rsa_pkcs8),
            "ec_pkcs8": STANDARD.encode(&self.ec_pkcs8),
            "parra_secret": self.parra_secret,
        });
        let mut tmp_name = path.as_os_str().to_owned();
        tmp_name.push(format!(".{}.tmp", std::process::id()));
        let tmp = PathBuf::from(tmp_name);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            options.mode(0o600);
        }
        let written = options.open(&tmp).and_then(|mut file| {
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt as _;
                file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
            }
            file.write_all(state.to_string().as_bytes())?;
            file.sync_all()
        });
        if let Err(e) = written.and_then(|()| std::fs::rename(&tmp, path)) {
            let _ = std::fs::remove_file(&tmp);
            return Err(io(e));
        }
        Ok(())
    }

    /// Load an issuer saved with [`DevIssuer::save`].
    pub fn load(path: &Path) -> Result<Self, DevError> {
        let bad = |reason: String| DevError::BadState {
            path: path.to_path_buf(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|source| DevError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let state: Value = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
        if state.get("version").and_then(Value::as_u64) != Some(STATE_VERSION) {
            return Err(bad(format!("expected version {STATE_VERSION}")));
        }
        let field = |name: &str| -> Result<&str, DevError> {
            state
                .get(name)
                .and_then(Value::as_str)
                .ok_or_else(|| bad(format!("missing {name}")))
        };
        let der = |name: &str| -> Result<Vec<u8>, DevError> {
            STANDARD
                .decode(field(name)?)
                .map_err(|_| bad(format!("{name} is not base64")))
        };
        Self::from_parts(
            der("rsa_pkcs8")?,
            der("ec_pkcs8")?,
            field("parra_secret")?.to_owned(),
        )
        .map_err(bad)
    }

    /// Load the issuer at `path`, or generate one and save it there when the file is missing or
    /// unreadable.
    pub fn load_or_generate(path: &Path) -> Result<Self, DevError> {
        match Self::load(path) {
            Ok(issuer) => Ok(issuer),
            Err(_) => {
                let issuer = Self::try_generate()?;
                issuer.save(path)?;
                Ok(issuer)
            }
        }
    }
}
