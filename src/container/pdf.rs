//! PDF files: the text layer of every page, via pdf-extract (and the lopdf it re-exports),
//! each page one text named `{file}!page-{n}`.
//!
//! pdf-extract panics on some malformed inputs (it unwraps freely), so every call into it runs
//! under `catch_unwind` and a panic becomes an error. It prints nothing to stdout; it reports
//! through the `log` crate only. A panic still goes through the process's panic hook, which by
//! default prints a message to stderr.

use std::any::Any;
use std::io;
use std::panic::{catch_unwind, AssertUnwindSafe};

use pdf_extract::{Document, PlainTextOutput};

use super::{SkipReason, Visitor};

/// Reads the PDF in `bytes`, shown as `name`, and hands the text of each page to `visitor` as one
/// text named `{name}!page-{n}` (n counted from 1). Pages without text are left out.
///
/// - An encrypted PDF that needs a password is reported with [`SkipReason::Encrypted`] (one
///   encrypted with an empty user password, as "protected" PDFs often are, is read).
/// - A PDF with no text on any page (scanned images) is reported with [`SkipReason::Unsupported`].
/// - A page whose extraction fails or panics is reported as an error against its text name,
///   with what it yielded before the failure, and the other pages go on.
///
/// The returned error is for a file that cannot be parsed as a PDF at all.
pub fn read_pdf(bytes: &[u8], name: &str, visitor: &mut dyn Visitor) -> io::Result<()> {
    // lopdf tries the empty user password itself while loading.
    let document = guarded(|| Document::load_mem(bytes).map_err(|e| e.to_string()))
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("cannot parse pdf: {e}")))?;
    if document.is_encrypted() {
        visitor.skip(name, SkipReason::Encrypted, "pdf needs a password".into());
        return Ok(());
    }
    let pages = guarded(|| Ok(document.get_pages()))
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("cannot read pdf pages: {e}")))?;
    let mut any_text = false;
    let mut any_error = false;
    for &number in pages.keys() {
        // One page at a time: only the current page's text is held, never the whole document's.
        let mut text = String::new();
        let result = guarded(|| {
            let mut output = PlainTextOutput::new(&mut text);
            pdf_extract::output_doc_page(&document, &mut output, number).map_err(|e| e.to_string())
        });
        let blank = text.trim().is_empty();
        if result.is_ok() && blank {
            continue;
        }
        any_text |= !blank;
        any_error |= result.is_err();
        let mut result = Some(result);
        visitor.text(&format!("{name}!page-{number}"), &mut |w| {
            w.write_all(text.as_bytes())?;
            match result.take() {
                Some(Err(e)) => Err(io::Error::other(format!("cannot extract text: {e}"))),
                _ => Ok(()),
            }
        });
    }
    if !any_text && !any_error {
        visitor.skip(name, SkipReason::Unsupported, "no text layer (scanned images are not read)".into());
    }
    Ok(())
}

/// Runs `f`, turning a panic into an error carrying the panic's message.
fn guarded<T>(f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    catch_unwind(AssertUnwindSafe(f))
        .unwrap_or_else(|panic| Err(format!("pdf reader panicked: {}", panic_message(&*panic))))
}

fn panic_message(panic: &(dyn Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_string()
    }
    .replace(['\r', '\n'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::testing::Collect;

    /// A minimal PDF with one page per content stream, Helvetica as its font and a correct
    /// cross-reference table (offsets computed as the objects are written).
    fn make_pdf(page_contents: &[&str]) -> Vec<u8> {
        let n = page_contents.len();
        // Objects: 1 catalog, 2 pages, 3 font, then a page and its content stream per page.
        let kids: Vec<String> = (0..n).map(|i| format!("{} 0 R", 4 + 2 * i)).collect();
        let mut objects = vec![
            "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
            format!("<< /Type /Pages /Kids [{}] /Count {n} >>", kids.join(" ")),
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
        ];
        for (i, content) in page_contents.iter().enumerate() {
            objects.push(format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {} 0 R \
                 /Resources << /Font << /F1 3 0 R >> >> >>",
                5 + 2 * i
            ));
            objects.push(format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()));
        }
        let mut pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
        let mut offsets = Vec::new();
        for (i, object) in objects.iter().enumerate() {
            offsets.push(pdf.len());
            pdf.extend_from_slice(format!("{} 0 obj\n{object}\nendobj\n", i + 1).as_bytes());
        }
        let xref = pdf.len();
        pdf.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
        for offset in offsets {
            pdf.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
        }
        pdf.extend_from_slice(
            format!(
                "trailer\n<< /Size {} /Root 1 0 R /ID [<00112233445566778899aabbccddeeff> \
                 <00112233445566778899aabbccddeeff>] >>\nstartxref\n{xref}\n%%EOF\n",
                objects.len() + 1
            )
            .as_bytes(),
        );
        pdf
    }

    #[test]
    fn page_text_is_read_per_page() {
        let pdf = make_pdf(&[
            "BT /F1 24 Tf 72 700 Td (Tel 13800138000) Tj ET",
            "",
            "BT /F1 12 Tf 72 700 Td (Page three) Tj ET",
        ]);
        let mut visitor = Collect::default();
        read_pdf(&pdf, "a.pdf", &mut visitor).unwrap();
        let names: Vec<&str> = visitor.texts.iter().map(|(n, _)| n.as_str()).collect();
        // The blank second page is left out, and the numbering keeps the real page numbers.
        assert_eq!(names, ["a.pdf!page-1", "a.pdf!page-3"]);
        let first = visitor.texts[0].1.as_ref().unwrap();
        assert!(first.contains("Tel 13800138000"), "{first:?}");
        assert!(!first.contains("three"));
        assert!(visitor.texts[1].1.as_ref().unwrap().contains("Page three"));
        assert!(visitor.skips.is_empty());
    }

    #[test]
    fn a_pdf_without_text_is_unsupported() {
        let pdf = make_pdf(&["0 0 m 100 100 l S"]);
        let mut visitor = Collect::default();
        read_pdf(&pdf, "scan.pdf", &mut visitor).unwrap();
        assert!(visitor.texts.is_empty());
        assert_eq!(
            visitor.skips,
            [(
                "scan.pdf".to_string(),
                SkipReason::Unsupported,
                "no text layer (scanned images are not read)".to_string()
            )]
        );
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for junk in [&b"%PDF-"[..], b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 9 0 R >>\ntrailer <<>>\n%%EOF", b""] {
            let mut visitor = Collect::default();
            let result = read_pdf(junk, "junk.pdf", &mut visitor);
            let error = result.expect_err("garbage must not parse");
            assert!(error.to_string().starts_with("cannot "), "{error}");
        }
    }

    #[test]
    fn a_panic_in_a_page_is_reported_against_the_page() {
        // No MediaBox anywhere: pdf-extract's page code does `expect("MediaBox")`.
        let pdf = make_pdf(&["BT /F1 24 Tf 72 700 Td (Tel 13800138000) Tj ET"]);
        let mut pdf = pdf;
        let at = pdf.windows(9).position(|w| w == b"/MediaBox").unwrap();
        // Same length, so the cross-reference offsets still hold.
        pdf[at..at + 9].copy_from_slice(b"/MediaBax");
        let mut visitor = Collect::default();
        read_pdf(&pdf, "broken.pdf", &mut visitor).unwrap();
        assert_eq!(visitor.texts.len(), 1);
        let (name, result) = &visitor.texts[0];
        assert_eq!(name, "broken.pdf!page-1");
        let error = result.as_ref().unwrap_err();
        assert!(error.starts_with("cannot extract text: pdf reader panicked"), "{error}");
        assert!(visitor.skips.is_empty());
    }

    #[test]
    fn an_encrypted_pdf_is_skipped() {
        let plain = make_pdf(&["BT /F1 24 Tf 72 700 Td (Tel 13800138000) Tj ET"]);
        let mut document = Document::load_mem(&plain).unwrap();
        let version = pdf_extract::EncryptionVersion::V2 {
            document: &document,
            owner_password: "owner",
            user_password: "user",
            key_length: 128,
            permissions: pdf_extract::Permissions::all(),
        };
        let state = pdf_extract::EncryptionState::try_from(version).unwrap();
        document.encrypt(&state).unwrap();
        let mut encrypted = Vec::new();
        document.save_to(&mut encrypted).unwrap();

        let mut visitor = Collect::default();
        read_pdf(&encrypted, "locked.pdf", &mut visitor).unwrap();
        assert!(visitor.texts.is_empty());
        assert_eq!(visitor.skips.len(), 1);
        assert_eq!(visitor.skips[0].0, "locked.pdf");
        assert_eq!(visitor.skips[0].1, SkipReason::Encrypted);
    }
}
