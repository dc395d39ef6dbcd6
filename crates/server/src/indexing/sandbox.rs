//! Parsing and chunking in a child process, so that no file can take the server down.
//!
//! The indexing worker starts `ejento-server parse` (the same binary), writes the stored
//! original to its standard input, and reads the chunks back from its standard output. The
//! child limits its own address space (`EJENTO_PARSE_MEMORY_MB`) and CPU time, dies with the
//! server, and is killed by the server when it runs past `EJENTO_PARSE_TIMEOUT`. Whatever
//! happens to it (a budget exceeded, an abort on a failed allocation, a crash, a kill) is an
//! ordinary outcome of that one document, told in words in [`ParseFailure`].

use std::{
    io::{Read, Write},
    path::PathBuf,
    process::{ExitCode, Stdio},
    time::Duration,
};

use ejento_api::ChunkSizing;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{
    chunk::{self, Chunk},
    parse::{self, Limits},
};
use crate::config::Config;

/// The arguments of `ejento-server parse`; the document comes on standard input.
#[derive(Debug, Clone, clap::Args)]
pub struct ParseArgs {
    /// The document's format, as `parse::detect` names it.
    #[arg(long)]
    pub format: String,
    /// Chunk size, in characters.
    #[arg(long, default_value_t = 1000)]
    pub chunk_size: u32,
    /// How far a chunk starts before the previous one ended, in characters (under half the size).
    #[arg(long, default_value_t = 150)]
    pub chunk_overlap: u32,
    /// Address-space limit of this process, in MB.
    #[arg(long, default_value_t = 1024)]
    pub memory_mb: u64,
    /// CPU-time limit of this process, in seconds (a backstop: the server kills it sooner).
    #[arg(long, default_value_t = 130)]
    pub cpu_secs: u64,
    #[arg(long)]
    pub max_inflated_bytes: u64,
    #[arg(long)]
    pub max_text_bytes: u64,
}

/// How parsing a document ended, short of chunks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseFailure {
    /// The parser read the file and says why it cannot be indexed (final).
    Unreadable(String),
    /// The child hit its memory limit (final: the same file does it again).
    OutOfMemory { limit_mb: u64 },
    /// The child ran past the time limit and was killed (may pass on a less busy server).
    TimedOut { limit: Duration },
    /// The child died otherwise: a crash, or killed from outside (may pass).
    Died(String),
}

impl ParseFailure {
    /// Whether trying the same file again cannot end differently.
    pub fn is_final(&self) -> bool {
        matches!(self, ParseFailure::Unreadable(_) | ParseFailure::OutOfMemory { .. })
    }

    /// The reason, for the document's status and its notification.
    pub fn reason(&self) -> String {
        match self {
            ParseFailure::Unreadable(reason) => reason.clone(),
            ParseFailure::OutOfMemory { limit_mb } => format!(
                "The parser ran out of memory reading this file (its limit is {limit_mb} MB); the file expands \
                 to more than a document may hold."
            ),
            ParseFailure::TimedOut { limit } => format!(
                "Parsing took longer than {} s, the time a document may take; the file may be too complex to read.",
                limit.as_secs()
            ),
            ParseFailure::Died(how) => format!("The parser stopped while reading this file ({how})."),
        }
    }
}

/// The parent side: how to start a child and what it may use.
#[derive(Debug, Clone)]
pub struct ParseSandbox {
    program: PathBuf,
    memory_mb: u64,
    timeout: Duration,
    limits: Limits,
}

/// Stderr kept from a child, for the log and to tell an allocation failure.
const STDERR_KEPT: usize = 16 * 1024;

impl ParseSandbox {
    pub fn from_config(config: &Config) -> Self {
        // This very binary, or (where the system cannot say) the one named so on the PATH.
        let program = config
            .parse_program
            .clone()
            .or_else(|| std::env::current_exe().ok())
            .unwrap_or_else(|| PathBuf::from("ejento-server"));
        Self {
            program,
            memory_mb: config.parse_memory_mb,
            timeout: Duration::from_secs(config.parse_timeout_secs),
            limits: config.parse_limits(),
        }
    }

    /// Parses and chunks `bytes` in a child process.
    pub async fn chunks(
        &self,
        format: &str,
        sizing: ChunkSizing,
        bytes: bytes::Bytes,
    ) -> Result<Vec<Chunk>, ParseFailure> {
        let mut child = tokio::process::Command::new(&self.program)
            .arg("parse")
            .args(["--format", format])
            .args(["--chunk-size", &sizing.size.to_string()])
            .args(["--chunk-overlap", &sizing.overlap.to_string()])
            .args(["--memory-mb", &self.memory_mb.to_string()])
            .args(["--cpu-secs", &(self.timeout.as_secs() + 10).to_string()])
            .args(["--max-inflated-bytes", &self.limits.max_inflated.to_string()])
            .args(["--max-text-bytes", &self.limits.max_text.to_string()])
            .env_clear()
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| ParseFailure::Died(format!("it could not be started: {e}")))?;
        let (mut stdin, mut stdout, mut stderr) = (
            child.stdin.take().expect("piped"),
            child.stdout.take().expect("piped"),
            child.stderr.take().expect("piped"),
        );
        // Chunks carry some overlap and a section name each: a generous ceiling on top of the
        // text budget, so a misbehaving child cannot fill the server's memory either.
        let most = self.limits.max_text.saturating_mul(4).saturating_add(64 << 20);
        let exchange = async {
            let write = async move {
                // A child that stops reading (it failed early) is not an error of writing.
                let _ = stdin.write_all(&bytes).await;
                drop(stdin);
            };
            let read_out = async {
                let mut out = Vec::new();
                (&mut stdout).take(most + 1).read_to_end(&mut out).await.map(|_| out)
            };
            let read_err = async {
                let (mut kept, mut buffer) = (Vec::new(), [0u8; 4096]);
                while let Ok(n) = stderr.read(&mut buffer).await {
                    if n == 0 {
                        break;
                    }
                    let room = STDERR_KEPT.saturating_sub(kept.len());
                    kept.extend_from_slice(&buffer[..n.min(room)]);
                }
                kept
            };
            let ((), out, err) = tokio::join!(write, read_out, read_err);
            let status = child.wait().await;
            (out, err, status)
        };
        let (out, err, status) = match tokio::time::timeout(self.timeout, exchange).await {
            Ok(ended) => ended,
            Err(_) => {
                // The exchange future owned the child by reference; dropping it leaves the
                // child to `kill_on_drop`, but kill and reap it now so no zombie waits.
                let _ = child.kill().await;
                return Err(ParseFailure::TimedOut { limit: self.timeout });
            }
        };
        let err = String::from_utf8_lossy(&err);
        let status = status.map_err(|e| ParseFailure::Died(format!("it could not be waited for: {e}")))?;
        if !status.success() {
            return Err(self.death(status, &err));
        }
        let out = out.map_err(|e| ParseFailure::Died(format!("its output could not be read: {e}")))?;
        if out.len() as u64 > most {
            return Err(ParseFailure::Unreadable(
                "The document produced more text than a document may hold.".into(),
            ));
        }
        // Decoding is linear in the output, which can be tens of MB: off the async runtime.
        tokio::task::spawn_blocking(move || decode(&out))
            .await
            .map_err(|e| ParseFailure::Died(format!("its output could not be decoded: {e}")))?
    }

    fn death(&self, status: std::process::ExitStatus, stderr: &str) -> ParseFailure {
        use std::os::unix::process::ExitStatusExt;
        if stderr.contains("memory allocation of") || stderr.contains("out of memory") {
            return ParseFailure::OutOfMemory {
                limit_mb: self.memory_mb,
            };
        }
        if status.signal() == Some(libc::SIGXCPU) {
            return ParseFailure::TimedOut { limit: self.timeout };
        }
        let first_line = stderr.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        tracing::warn!(?status, stderr = first_line, "the parse child died");
        ParseFailure::Died(match status.signal() {
            Some(libc::SIGKILL) => "it was killed".to_string(),
            Some(libc::SIGSEGV) => "it crashed".to_string(),
            Some(libc::SIGABRT) => "it aborted".to_string(),
            Some(signal) => format!("it was stopped by signal {signal}"),
            None => format!("it exited with code {}", status.code().unwrap_or(-1)),
        })
    }
}

/// Framing on the child's standard output: `E` and a reason, or `C` and chunks, each as page
/// (i64, [`NO_PAGE`] for none), section (u32 length, [`NO_SECTION`] for none, bytes), text
/// (u32 length, bytes); little-endian. No escaping, so the output is never larger than its text.
const NO_PAGE: i64 = i64::MIN;
const NO_SECTION: u32 = u32::MAX;

fn encode(result: &Result<Vec<Chunk>, String>, out: &mut impl Write) -> std::io::Result<()> {
    match result {
        Err(reason) => {
            out.write_all(b"E")?;
            out.write_all(reason.as_bytes())?;
        }
        Ok(chunks) => {
            out.write_all(b"C")?;
            for c in chunks {
                out.write_all(&c.page.unwrap_or(NO_PAGE).to_le_bytes())?;
                match &c.section {
                    Some(s) => {
                        out.write_all(&(s.len() as u32).to_le_bytes())?;
                        out.write_all(s.as_bytes())?;
                    }
                    None => out.write_all(&NO_SECTION.to_le_bytes())?,
                }
                out.write_all(&(c.text.len() as u32).to_le_bytes())?;
                out.write_all(c.text.as_bytes())?;
            }
        }
    }
    out.flush()
}

fn decode(bytes: &[u8]) -> Result<Vec<Chunk>, ParseFailure> {
    fn garbled() -> ParseFailure {
        ParseFailure::Died("its output was cut short or garbled".into())
    }
    fn take<'a>(rest: &mut &'a [u8], n: usize) -> Result<&'a [u8], ParseFailure> {
        if rest.len() < n {
            return Err(garbled());
        }
        let (head, tail) = rest.split_at(n);
        *rest = tail;
        Ok(head)
    }
    fn number<const N: usize>(rest: &mut &[u8]) -> Result<[u8; N], ParseFailure> {
        Ok(take(rest, N)?.try_into().expect("N bytes"))
    }
    fn text(rest: &mut &[u8], len: u32) -> Result<String, ParseFailure> {
        String::from_utf8(take(rest, len as usize)?.to_vec()).map_err(|_| garbled())
    }
    let (kind, mut rest) = bytes.split_first().ok_or_else(garbled)?;
    match kind {
        b'E' => Err(ParseFailure::Unreadable(String::from_utf8_lossy(rest).into_owned())),
        b'C' => {
            let mut chunks = Vec::new();
            while !rest.is_empty() {
                let page = i64::from_le_bytes(number(&mut rest)?);
                let section = match u32::from_le_bytes(number(&mut rest)?) {
                    NO_SECTION => None,
                    len => Some(text(&mut rest, len)?),
                };
                let len = u32::from_le_bytes(number(&mut rest)?);
                chunks.push(Chunk {
                    ordinal: chunks.len() as i64,
                    page: (page != NO_PAGE).then_some(page),
                    section,
                    text: text(&mut rest, len)?,
                });
            }
            Ok(chunks)
        }
        _ => Err(garbled()),
    }
}

/// Parses and chunks in this process: what the child runs, and what tests and benchmarks
/// compare it with.
pub fn chunks_in_process(
    format: &str,
    sizing: ChunkSizing,
    bytes: &[u8],
    limits: Limits,
) -> Result<Vec<Chunk>, String> {
    if sizing.overlap > ChunkSizing::max_overlap(sizing.size) || sizing.size == 0 {
        return Err(format!(
            "A chunk size of {} cannot have an overlap of {}.",
            sizing.size, sizing.overlap
        ));
    }
    let segments = parse::extract(format, bytes, limits)?;
    Ok(chunk::split(&segments, sizing.size as usize, sizing.overlap as usize))
}

/// `ejento-server parse`: the child's whole life. Limits itself first, then reads the document,
/// parses and chunks it, and writes the result. A panic is a reason like any other; an
/// allocation past the address-space limit aborts the process, which the parent reads as
/// "out of memory".
pub fn child_main(args: ParseArgs) -> ExitCode {
    if let Err(e) = limit_self(args.memory_mb, args.cpu_secs) {
        eprintln!("could not set the parse child's limits: {e}");
        return ExitCode::FAILURE;
    }
    let mut bytes = Vec::new();
    if let Err(e) = std::io::stdin().lock().read_to_end(&mut bytes) {
        eprintln!("could not read the document: {e}");
        return ExitCode::FAILURE;
    }
    let limits = Limits {
        max_inflated: args.max_inflated_bytes,
        max_text: args.max_text_bytes,
    };
    let sizing = ChunkSizing {
        size: args.chunk_size,
        overlap: args.chunk_overlap,
    };
    let result =
        std::panic::catch_unwind(|| chunks_in_process(&args.format, sizing, &bytes, limits)).unwrap_or_else(|_| {
            Err(format!(
                "The {} file could not be read (the parser failed on it).",
                args.format
            ))
        });
    let stdout = std::io::stdout();
    match encode(&result, &mut std::io::BufWriter::with_capacity(1 << 20, stdout.lock())) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("could not write the chunks: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Address space, CPU time, no core files, and death with the parent (Linux).
fn limit_self(memory_mb: u64, cpu_secs: u64) -> std::io::Result<()> {
    fn set(resource: libc::__rlimit_resource_t, value: u64) -> std::io::Result<()> {
        let limit = libc::rlimit {
            rlim_cur: value,
            rlim_max: value,
        };
        // SAFETY: setrlimit reads the struct we pass and changes only this process's limits.
        if unsafe { libc::setrlimit(resource, &limit) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(())
    }
    set(libc::RLIMIT_AS, memory_mb.saturating_mul(1024 * 1024))?;
    set(libc::RLIMIT_CPU, cpu_secs)?;
    set(libc::RLIMIT_CORE, 0)?;
    // SAFETY: PR_SET_PDEATHSIG with a signal number only sets this process's death signal.
    if unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_survive_the_framing() {
        let chunks = vec![
            Chunk {
                ordinal: 0,
                page: Some(3),
                section: Some("Intro — é".into()),
                text: "First \"chunk\"\n\u{1}".into(),
            },
            Chunk {
                ordinal: 1,
                page: None,
                section: None,
                text: String::new(),
            },
        ];
        let mut out = Vec::new();
        encode(&Ok(chunks.clone()), &mut out).unwrap();
        assert_eq!(decode(&out).unwrap(), chunks);
        let mut out = Vec::new();
        encode(&Err("Too big.".into()), &mut out).unwrap();
        assert_eq!(decode(&out).unwrap_err(), ParseFailure::Unreadable("Too big.".into()));
        assert!(matches!(decode(&out[..0]), Err(ParseFailure::Died(_))));
        let mut out = Vec::new();
        encode(&Ok(chunks), &mut out).unwrap();
        assert!(matches!(decode(&out[..out.len() - 3]), Err(ParseFailure::Died(_))));
    }
}
