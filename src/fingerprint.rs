//! Keyed fingerprints of findings: HMAC-SHA256 of the rule id and the normalised value (and the
//! path, where the user asks), so that baselines, allowlists and SARIF can name a finding
//! without holding its value. A plain hash of an 11-digit phone number falls to brute force in
//! seconds; a keyed one does not without the key. No unkeyed digest of a value is written
//! anywhere, and line numbers never enter a fingerprint (a line moving above would change it).
//!
//! The key comes from `--fingerprint-key FILE`, the `PIISCAN_FINGERPRINT_KEY` environment
//! variable, the config file's `fingerprint_key_file`, or else a key file in the user's
//! configuration directory, created on first use: in every case outside the repository.

pub use crate::finding::Fingerprint;
use crate::finding::Kind;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use std::fmt;
use std::path::{Path, PathBuf};

/// The environment variable that holds a fingerprint key (CI secrets).
pub const KEY_ENV: &str = "PIISCAN_FINGERPRINT_KEY";

/// Computes fingerprints with one key.
#[derive(Clone)]
pub struct Fingerprinter {
    mac: Hmac<Sha256>,
    with_path: bool,
}

impl fmt::Debug for Fingerprinter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the key.
        f.debug_struct("Fingerprinter").field("key_id", &self.key_id()).field("with_path", &self.with_path).finish()
    }
}

/// A key that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The key file could not be read or created.
    #[error("fingerprint key {path}: {cause}")]
    File {
        /// The file.
        path: String,
        /// Why.
        cause: String,
    },
    /// The environment variable holds too short a key.
    #[error("{KEY_ENV}: a key needs at least 16 bytes (for example 64 hex digits from `openssl rand -hex 32`)")]
    TooShort,
}

impl Fingerprinter {
    /// Fingerprints with `key`; with `with_path`, the finding's path enters the fingerprint too.
    pub fn new(key: &[u8], with_path: bool) -> Self {
        // HMAC takes keys of any length.
        let mac = Hmac::<Sha256>::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
        Fingerprinter { mac, with_path }
    }

    /// The fingerprint of a value of `kind` found at `path`.
    pub fn fingerprint(&self, kind: Kind, value: &str, path: &str) -> Fingerprint {
        let mut mac = self.mac.clone();
        mac.update(b"piiscan/v1\0");
        mac.update(kind.rule_id().as_bytes());
        mac.update(b"\0");
        mac.update(value.as_bytes());
        if self.with_path {
            mac.update(b"\0");
            mac.update(path.as_bytes());
        }
        let out = mac.finalize().into_bytes();
        let mut bytes = [0; 16];
        bytes.copy_from_slice(&out[..16]);
        Fingerprint::from_bytes(bytes)
    }

    /// Whether the path enters the fingerprints.
    pub fn with_path(&self) -> bool {
        self.with_path
    }

    /// Names the key without revealing it: baselines record it, so that one made with another
    /// key is refused instead of matching nothing.
    pub fn key_id(&self) -> String {
        let mut mac = self.mac.clone();
        mac.update(b"piiscan/key-id");
        mac.finalize().into_bytes()[..8].iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// Where the key is looked for, first match wins.
#[derive(Debug, Clone, Default)]
pub struct KeySources {
    /// `--fingerprint-key FILE`.
    pub flag: Option<PathBuf>,
    /// The value of `PIISCAN_FINGERPRINT_KEY`.
    pub env: Option<String>,
    /// The config file's `fingerprint_key_file`.
    pub config: Option<PathBuf>,
    /// The default key file, created if missing (`None` where no configuration directory is
    /// known).
    pub default_file: Option<PathBuf>,
}

impl KeySources {
    /// The flag and config file given, the environment as it is, and the default file in the
    /// user's configuration directory.
    pub fn from_env(flag: Option<PathBuf>, config: Option<PathBuf>) -> Self {
        let config_dir = std::env::var_os("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".config")));
        KeySources {
            flag,
            env: std::env::var(KEY_ENV).ok().filter(|v| !v.is_empty()),
            config,
            default_file: config_dir.map(|d| d.join("piiscan").join("fingerprint.key")),
        }
    }

    /// The key: from the first source that has one. Key files are created when missing.
    pub fn key(&self) -> Result<Option<Vec<u8>>, KeyError> {
        if let Some(path) = &self.flag {
            return read_or_create(path).map(Some);
        }
        if let Some(value) = &self.env {
            if value.trim().len() < 16 {
                return Err(KeyError::TooShort);
            }
            return Ok(Some(value.trim().as_bytes().to_vec()));
        }
        if let Some(path) = &self.config {
            return read_or_create(path).map(Some);
        }
        match &self.default_file {
            Some(path) => read_or_create(path).map(Some),
            None => Ok(None),
        }
    }
}

/// Reads a key file (64 hex digits), or creates one with a random key readable by its owner
/// only.
fn read_or_create(path: &Path) -> Result<Vec<u8>, KeyError> {
    let err = |cause: String| KeyError::File { path: path.display().to_string(), cause };
    match std::fs::read(path) {
        Ok(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            let hex = text.trim();
            // Checked as ASCII before any slicing: a key file is user input.
            if hex.len() < 32 || !hex.len().is_multiple_of(2) || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(err("not a key: expected at least 32 hex digits".into()));
            }
            (0..hex.len() / 2)
                .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(|e| err(e.to_string())))
                .collect()
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key: Vec<u8> = random_bytes(32);
            let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| err(format!("cannot create {}: {e}", dir.display())))?;
            }
            write_private(path, format!("{hex}\n").as_bytes()).map_err(|e| err(e.to_string()))?;
            Ok(key)
        }
        Err(e) => Err(err(e.to_string())),
    }
}

/// Creates `path` (it must not exist) readable by its owner only, and writes `data` to it: how
/// key files are made.
pub fn write_private(path: &Path, data: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    use std::io::Write;
    options.open(path)?.write_all(data)
}

/// Bytes from the operating system's randomness (through the seeds of `RandomState`).
fn random_bytes(n: usize) -> Vec<u8> {
    use std::hash::BuildHasher;
    (0..n.div_ceil(8))
        .flat_map(|i| std::collections::hash_map::RandomState::new().hash_one(i).to_le_bytes())
        .take(n)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_depend_on_key_kind_value_and_optionally_path() {
        let a = Fingerprinter::new(b"key one, sixteen+ bytes", false);
        let b = Fingerprinter::new(b"key two, sixteen+ bytes", false);
        let fp = a.fingerprint(Kind::Mobile, "13800138000", "a.csv");
        assert_eq!(fp, a.fingerprint(Kind::Mobile, "13800138000", "b.csv"), "no path unless asked");
        assert_ne!(fp, b.fingerprint(Kind::Mobile, "13800138000", "a.csv"));
        assert_ne!(fp, a.fingerprint(Kind::Landline, "13800138000", "a.csv"));
        assert_ne!(fp, a.fingerprint(Kind::Mobile, "13900139000", "a.csv"));
        let p = Fingerprinter::new(b"key one, sixteen+ bytes", true);
        assert_ne!(
            p.fingerprint(Kind::Mobile, "13800138000", "a.csv"),
            p.fingerprint(Kind::Mobile, "13800138000", "b.csv")
        );
        assert_eq!(fp.to_string().len(), 32);
        assert_eq!(fp.to_string().parse::<Fingerprint>(), Ok(fp));
        assert!(!fp.to_string().contains("13800138000"));
        assert_ne!(a.key_id(), b.key_id());
        assert!(!format!("{a:?}").contains("key one"));
    }

    #[test]
    fn key_files_are_created_read_and_checked() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("sub/fp.key");
        let sources = KeySources { flag: Some(path.clone()), ..KeySources::default() };
        let created = sources.key().expect("created").expect("a key");
        assert_eq!(created.len(), 32);
        assert_eq!(sources.key().expect("read").expect("a key"), created);
        // A key file holding a multi-byte character is an error, not a panic.
        std::fs::write(&path, "é".repeat(32)).expect("write");
        assert!(sources.key().is_err());
        let env = KeySources { env: Some("short".into()), ..KeySources::default() };
        assert!(matches!(env.key(), Err(KeyError::TooShort)));
        assert!(KeySources::default().key().expect("no source").is_none());
    }
}
