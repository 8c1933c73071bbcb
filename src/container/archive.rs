//! Archives: tar (and, through the compression layer, its compressed forms) read as a stream,
//! and zip read through its central directory. Every member is read as a stream in turn and
//! sniffed again, so archives nest; nothing is extracted. Links are never followed: a member
//! that is a symbolic link is listed as not read, whatever it points to.

use super::limits::Compressed;
use super::office::{self, Office};
use super::{rewind, Limited, SkipReason, Unpack, Visitor};
use std::io::{self, BufReader, Read};

/// The name of a member: the archive's name, `!`, the member's path in the archive.
fn member_name(archive: &str, path: &[u8]) -> String {
    format!("{archive}!{}", String::from_utf8_lossy(path))
}

/// Reads a tar archive shown as `name`, opened at `depth`.
pub(super) fn read_tar(unpack: &Unpack, name: &str, reader: &mut dyn Read, depth: u32, visitor: &mut dyn Visitor) {
    let mut archive = tar::Archive::new(reader);
    let entries = match archive.entries() {
        Ok(entries) => entries,
        Err(e) => return unpack.fail(name, e, visitor),
    };
    for entry in entries {
        if unpack.stopped() {
            return;
        }
        let mut entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                return unpack.fail(name, io::Error::new(e.kind(), format!("not a readable tar archive: {e}")), visitor)
            }
        };
        let kind = entry.header().entry_type();
        if kind.is_dir() || kind.is_pax_global_extensions() || kind.is_pax_local_extensions() {
            continue;
        }
        let member = member_name(name, &entry.path_bytes());
        if !unpack.entry(&member, visitor) {
            return;
        }
        if kind.is_file() || kind.is_contiguous() || kind.is_gnu_sparse() {
            unpack.stream(&member, &mut entry, depth, visitor);
        } else if kind.is_symlink() {
            let target = entry.link_name_bytes().map(|t| String::from_utf8_lossy(&t).into_owned()).unwrap_or_default();
            visitor.skip(&member, SkipReason::NotRegularFile, format!("symbolic link to `{target}`, not followed"));
        } else if kind.is_hard_link() {
            // A hard link's content is that of the member it names, read where it stands.
            continue;
        } else {
            visitor.skip(&member, SkipReason::NotRegularFile, "device or FIFO entry".to_string());
        }
    }
}

/// Reads a zip file shown as `name`, opened at `depth`: an office file if its members say so,
/// otherwise an archive whose members are read in turn.
pub(super) fn read_zip(unpack: &Unpack, name: &str, file: std::fs::File, depth: u32, visitor: &mut dyn Visitor) {
    let mut zip = match zip::ZipArchive::new(BufReader::new(file)) {
        Ok(zip) => zip,
        Err(e) => return unpack.fail(name, io::Error::other(format!("not a readable zip archive: {e}")), visitor),
    };
    if let Some(kind) = office::office_kind(&mut zip) {
        let read = match kind {
            Office::Xlsx | Office::Xls | Office::Ods => match rewind(zip.into_inner()) {
                Ok(reader) => office::read_spreadsheet(reader, kind, name, visitor),
                Err(e) => Err(e),
            },
            Office::Docx | Office::Pptx | Office::Odt => office::read_document(&mut zip, kind, name, visitor),
        };
        if let Err(e) = read {
            unpack.fail(name, io::Error::new(e.kind(), format!("cannot read {}: {e}", kind.name())), visitor);
        }
        return;
    }
    if unpack.options.policy.no_archives {
        return visitor.skip(name, SkipReason::ArchivesDisabled, "zip archive, not opened with --no-archives".into());
    }
    // Members that share their compressed bytes are how the smallest zip bombs reach their
    // size (`zip.has_overlapping_files`): no real archive does that.
    if zip.has_overlapping_files().unwrap_or(false) {
        return visitor.skip(
            name,
            SkipReason::Limit,
            "members share their compressed data: a zip bomb, not read".to_string(),
        );
    }
    for index in 0..zip.len() {
        if unpack.stopped() {
            return;
        }
        let (path, is_dir, is_symlink, encrypted, compressed) = match zip.by_index_data(index) {
            Ok(entry) => (
                entry.name_raw().to_vec(),
                entry.is_dir(),
                entry.is_symlink(),
                entry.encrypted(),
                entry.compressed_size(),
            ),
            Err(e) => return unpack.fail(name, io::Error::other(format!("not a readable zip archive: {e}")), visitor),
        };
        if is_dir {
            continue;
        }
        let member = member_name(name, &path);
        if !unpack.entry(&member, visitor) {
            return;
        }
        if is_symlink {
            visitor.skip(&member, SkipReason::NotRegularFile, "symbolic link, not followed".to_string());
            continue;
        }
        if encrypted {
            visitor.skip(&member, SkipReason::Encrypted, "encrypted zip member".to_string());
            continue;
        }
        match zip.by_index(index) {
            Ok(mut file) => {
                let mut limited = Limited::new(&mut file, Compressed::Known(compressed), unpack.budget);
                unpack.stream(&member, &mut limited, depth, visitor);
            }
            Err(zip::result::ZipError::UnsupportedArchive(what)) => {
                visitor.skip(&member, SkipReason::Unsupported, what.to_lowercase());
            }
            Err(zip::result::ZipError::CompressionMethodNotSupported(method)) => {
                visitor.skip(&member, SkipReason::Unsupported, format!("compression method {method} not supported"));
            }
            Err(e) => unpack.fail(&member, io::Error::other(e.to_string()), visitor),
        }
    }
}
