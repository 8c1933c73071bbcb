//! SQLite databases: every table becomes one TSV text named `{file}!{table}`, its first line the
//! column names and then one line per row, streamed straight from SQLite.
//!
//! The database is opened read-only and immutable, so that reading it never writes anything
//! beside it (no `-journal`, `-wal` or `-shm` file) and never takes a lock.

use std::fmt::Write as _;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};

use super::tsv::{push_escaped, push_float};
use super::{SkipReason, Visitor};

/// Reads the SQLite database at `path`, shown as `name`, and hands every table (ordinary,
/// `WITHOUT ROWID` and virtual; not SQLite's internal `sqlite_*` tables, not views, which only
/// repeat table data) to `visitor` as one TSV text named `{name}!{table}`, tables sorted by name.
///
/// The first line holds the column names, then one line per row; cells are joined by `\t` and
/// every tab, CR or LF inside a value becomes a space. TEXT is written as is, INTEGER as an
/// integer, REAL as a whole number when it is one (below 2^53) and otherwise as Rust's `{}`
/// writes it, NULL as nothing. A BLOB that is UTF-8 text (without NUL bytes) is written as text;
/// any other BLOB is written as nothing, and the count of those is reported after the table with
/// [`SkipReason::Binary`].
///
/// A table that cannot be read is reported as an error against its text name and the others go
/// on. The returned error is for a file that cannot be opened or read as a database (not a
/// database, encrypted, damaged schema).
///
/// Because the file is opened immutable, changes still sitting in a `-wal` file beside it are
/// not seen.
pub fn read_sqlite(path: &Path, name: &str, visitor: &mut dyn Visitor) -> io::Result<()> {
    let uri = immutable_uri(path)?;
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
    let cannot_read = |e: rusqlite::Error| invalid_data(format!("cannot read sqlite database: {}", one_line(&e)));
    let connection = Connection::open_with_flags(&uri, flags).map_err(cannot_read)?;
    // The file is untrusted: do not let its schema call functions with side effects.
    connection.execute_batch("PRAGMA trusted_schema = OFF").map_err(cannot_read)?;
    let tables = table_names(&connection).map_err(cannot_read)?;
    for table in tables {
        let text_name = format!("{name}!{table}");
        let mut binary_blobs = 0u64;
        visitor.text(&text_name, &mut |w| write_table(&connection, &table, w, &mut binary_blobs));
        if binary_blobs > 0 {
            visitor.skip(&text_name, SkipReason::Binary, format!("{binary_blobs} binary blob values not scanned"));
        }
    }
    Ok(())
}

fn invalid_data(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

/// SQLite messages are one line already; this keeps the contract if one is not.
fn one_line(e: &rusqlite::Error) -> String {
    e.to_string().replace(['\r', '\n'], " ")
}

/// A `file:` URI for `path` with `immutable=1`, which tells SQLite the file cannot change: it then
/// takes no locks and creates no journal, WAL or shared-memory file next to it. Every byte that is
/// not plainly safe in a URI path is percent-encoded, so `?`, `#` and `%` in a file name cannot
/// be read as a query, a fragment or an escape.
fn immutable_uri(path: &Path) -> io::Result<String> {
    #[cfg(unix)]
    let bytes = std::os::unix::ffi::OsStrExt::as_bytes(path.as_os_str()).to_vec();
    #[cfg(not(unix))]
    let bytes = path
        .to_str()
        .ok_or_else(|| invalid_data(format!("path is not valid unicode: {}", path.display())))?
        .replace('\\', "/")
        .into_bytes();
    let mut uri = String::from("file:");
    if bytes.first() == Some(&b'/') {
        // An empty authority: `file:///abs/path`; a path starting `//` then cannot pass for a host.
        uri.push_str("//");
    } else if path.is_absolute() {
        // Windows `C:/...`.
        uri.push_str("///");
    }
    for &b in &bytes {
        if b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'.' | b'_' | b'~' | b':') {
            uri.push(char::from(b));
        } else {
            let _ = write!(uri, "%{b:02X}");
        }
    }
    uri.push_str("?mode=ro&immutable=1");
    Ok(uri)
}

fn table_names(connection: &Connection) -> rusqlite::Result<Vec<String>> {
    // `_` is a LIKE wildcard, hence the escape; names starting `sqlite_` are reserved for SQLite.
    let mut statement = connection.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
         ORDER BY name",
    )?;
    let names = statement.query_map([], |row| row.get::<_, String>(0))?;
    names.collect()
}

/// `"name"` with inner quotes doubled, as SQL quotes identifiers.
fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn write_table(connection: &Connection, table: &str, w: &mut dyn Write, binary_blobs: &mut u64) -> io::Result<()> {
    let sql_error = |e: rusqlite::Error| invalid_data(format!("cannot read table: {}", one_line(&e)));
    let mut statement = connection.prepare(&format!("SELECT * FROM {}", quote_identifier(table))).map_err(sql_error)?;
    let mut out = BufWriter::with_capacity(64 << 10, w);
    let result = (|| {
        let mut line = String::new();
        for (i, column) in statement.column_names().enumerate() {
            if i > 0 {
                line.push('\t');
            }
            push_escaped(column, &mut line);
        }
        line.push('\n');
        out.write_all(line.as_bytes())?;
        let columns = statement.column_count();
        // Rows are stepped one at a time: a table is never held in memory.
        let mut rows = statement.query([]).map_err(sql_error)?;
        while let Some(row) = rows.next().map_err(sql_error)? {
            line.clear();
            for i in 0..columns {
                if i > 0 {
                    line.push('\t');
                }
                match row.get_ref(i).map_err(sql_error)? {
                    ValueRef::Null => {}
                    ValueRef::Integer(n) => {
                        let _ = write!(line, "{n}");
                    }
                    ValueRef::Real(f) => push_float(f, &mut line),
                    // SQLite does not check that TEXT is UTF-8.
                    ValueRef::Text(bytes) => push_escaped(&String::from_utf8_lossy(bytes), &mut line),
                    ValueRef::Blob(bytes) => match std::str::from_utf8(bytes) {
                        Ok(text) if !text.contains('\0') => push_escaped(text, &mut line),
                        _ => *binary_blobs += 1,
                    },
                }
            }
            line.push('\n');
            out.write_all(line.as_bytes())?;
        }
        Ok(())
    })();
    // What was read before an error is still worth scanning.
    let flushed = out.flush();
    result.and(flushed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::testing::Collect;

    fn dir_listing(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        names
    }

    /// A directory name with every character a URI could misread.
    const AWKWARD_DIR: &str = "a b?#%3F&中";

    fn make_db(dir: &Path) -> std::path::PathBuf {
        let path = dir.join("users.db");
        let db = Connection::open(&path).unwrap();
        // WAL mode is what a reader without `immutable` would leave -wal/-shm files for.
        db.pragma_update(None, "journal_mode", "WAL").unwrap();
        db.execute_batch(
            "CREATE TABLE users(name TEXT, id_card TEXT, phone INTEGER, note BLOB);
             CREATE TABLE \"odd \"\"name\"\"\"(k TEXT PRIMARY KEY, v REAL) WITHOUT ROWID;
             CREATE VIEW v_users AS SELECT name FROM users;
             CREATE INDEX users_phone ON users(phone);",
        )
        .unwrap();
        db.execute(
            "INSERT INTO users VALUES (?1, ?2, ?3, ?4)",
            rusqlite::params!["张三", "11010519491231002X", 13800138000i64, "住址:北京\t朝阳".as_bytes()],
        )
        .unwrap();
        db.execute(
            "INSERT INTO users VALUES (?1, ?2, ?3, ?4)",
            rusqlite::params!["李四\n(备注)", Option::<String>::None, 13900139000i64, &[0xffu8, 0x00, 0x9f][..]],
        )
        .unwrap();
        db.execute("INSERT INTO \"odd \"\"name\"\"\" VALUES ('a', 13800138000.0), ('b', 12.5)", []).unwrap();
        drop(db);
        path
    }

    #[test]
    fn tables_become_tsv_and_nothing_is_written_beside_the_file() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join(AWKWARD_DIR);
        std::fs::create_dir(&dir).unwrap();
        let path = make_db(&dir);
        let before = dir_listing(&dir);
        assert_eq!(before, ["users.db"]);

        let mut visitor = Collect::default();
        read_sqlite(&path, "users.db", &mut visitor).unwrap();

        assert_eq!(
            visitor.texts,
            [
                ("users.db!odd \"name\"".to_string(), Ok("k\tv\na\t13800138000\nb\t12.5\n".to_string())),
                (
                    "users.db!users".to_string(),
                    Ok("name\tid_card\tphone\tnote\n\
                        张三\t11010519491231002X\t13800138000\t住址:北京 朝阳\n\
                        李四 (备注)\t\t13900139000\t\n"
                        .to_string())
                ),
            ]
        );
        assert_eq!(
            visitor.skips,
            [("users.db!users".to_string(), SkipReason::Binary, "1 binary blob values not scanned".to_string())]
        );
        assert_eq!(dir_listing(&dir), before, "reading must not create files next to the database");
    }

    #[test]
    fn uri_escapes_awkward_paths() {
        let uri = immutable_uri(Path::new("/tmp/a b?#%/中.db")).unwrap();
        assert_eq!(uri, "file:///tmp/a%20b%3F%23%25/%E4%B8%AD.db?mode=ro&immutable=1");
        let uri = immutable_uri(Path::new("rel/x.db")).unwrap();
        assert_eq!(uri, "file:rel/x.db?mode=ro&immutable=1");
    }

    #[test]
    fn a_failing_table_is_reported_and_the_others_go_on() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("vt.db");
        let db = Connection::open(&path).unwrap();
        db.execute_batch("CREATE TABLE a(x); INSERT INTO a VALUES (1); CREATE TABLE c(y); INSERT INTO c VALUES (2);")
            .unwrap();
        // A virtual table whose module this build lacks, written straight into the schema.
        db.execute_batch(
            "PRAGMA writable_schema = ON;
             INSERT INTO sqlite_master VALUES ('table', 'b', 'b', 0, 'CREATE VIRTUAL TABLE b USING nosuchmodule(z)');
             PRAGMA writable_schema = OFF;",
        )
        .unwrap();
        drop(db);

        let mut visitor = Collect::default();
        read_sqlite(&path, "vt.db", &mut visitor).unwrap();
        let names: Vec<&str> = visitor.texts.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["vt.db!a", "vt.db!b", "vt.db!c"]);
        assert_eq!(visitor.texts[0].1, Ok("x\n1\n".to_string()));
        let error = visitor.texts[1].1.as_ref().unwrap_err();
        assert!(error.contains("nosuchmodule"), "{error}");
        assert_eq!(visitor.texts[2].1, Ok("y\n2\n".to_string()));
    }

    #[test]
    fn not_a_database_is_an_error() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("junk.db");
        std::fs::write(&path, vec![b'x'; 4096]).unwrap();
        let mut visitor = Collect::default();
        let error = read_sqlite(&path, "junk.db", &mut visitor).unwrap_err();
        let message = error.to_string();
        assert!(message.starts_with("cannot read sqlite database: "), "{message}");
        assert!(!message.contains('\n'));
        assert!(visitor.texts.is_empty());
        assert_eq!(dir_listing(tmp.path()), ["junk.db"]);
    }
}
