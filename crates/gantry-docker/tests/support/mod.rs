//! Helpers for the tests against the real Docker daemon: connect (failing
//! loudly when there is none), build tiny unique `FROM scratch` images
//! from an in-memory tar context, and remove them afterwards.

#![allow(
    dead_code,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::print_stderr
)]

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use futures_util::StreamExt as _;
use gantry_docker::Engine;

/// Connect to the machine's daemon (`DOCKER_HOST` or the unix socket), or
/// fail the test with a message saying what is missing.
pub(crate) async fn engine() -> Engine {
    match gantry_docker::connect(None).await {
        Ok(engine) => engine,
        Err(err) => panic!(
            "these tests need a running Docker daemon (DOCKER_HOST or /var/run/docker.sock), \
             and there is none: {err}"
        ),
    }
}

/// `len` bytes nobody else will produce: a per-process random seed, the
/// time and a counter, stretched through the std hasher.
pub(crate) fn unique_bytes(len: usize) -> Vec<u8> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let seed = std::collections::hash_map::RandomState::new();
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut out = Vec::with_capacity(len + 8);
    let mut block = 0u64;
    while out.len() < len {
        let mut hasher = seed.build_hasher();
        hasher.write_u128(nanos);
        hasher.write_u64(count);
        hasher.write_u32(std::process::id());
        hasher.write_u64(block);
        out.extend_from_slice(&hasher.finish().to_le_bytes());
        block += 1;
    }
    out.truncate(len);
    out
}

/// A short hex name, unique per call.
pub(crate) fn unique_name() -> String {
    unique_bytes(6).iter().map(|b| format!("{b:02x}")).collect()
}

/// A ustar archive of `files` (name, contents), as `docker build` wants
/// its context.
pub(crate) fn tar(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, contents) in files {
        let mut header = [0u8; 512];
        let put = |header: &mut [u8; 512], at: usize, value: &[u8]| {
            header[at..at + value.len()].copy_from_slice(value);
        };
        assert!(name.len() < 100, "tar name too long: {name}");
        put(&mut header, 0, name.as_bytes());
        put(&mut header, 100, b"0000644\0");
        put(&mut header, 108, b"0000000\0");
        put(&mut header, 116, b"0000000\0");
        put(
            &mut header,
            124,
            format!("{:011o}\0", contents.len()).as_bytes(),
        );
        put(&mut header, 136, b"00000000000\0");
        put(&mut header, 148, b"        ");
        header[156] = b'0';
        put(&mut header, 257, b"ustar\0");
        put(&mut header, 263, b"00");
        let sum: u32 = header.iter().map(|b| u32::from(*b)).sum();
        put(&mut header, 148, format!("{sum:06o}\0 ").as_bytes());
        out.extend_from_slice(&header);
        out.extend_from_slice(contents);
        let pad = (512 - contents.len() % 512) % 512;
        out.extend(std::iter::repeat_n(0u8, pad));
    }
    out.extend(std::iter::repeat_n(0u8, 1024));
    out
}

/// A local image built `FROM scratch` with one file of random bytes;
/// removed (by ID, forced, so every tag goes too) when dropped.
pub(crate) struct TestImage {
    pub(crate) id: String,
    /// The name it was built with (`gantry-test/<random>:src`).
    pub(crate) name: String,
}

impl TestImage {
    /// Build it through the daemon's build API (`POST /build`).
    pub(crate) async fn build(engine: &Engine, size: usize) -> TestImage {
        let name = format!("gantry-test/{}:src", unique_name());
        let context = tar(&[
            ("Dockerfile", b"FROM scratch\nCOPY hello /hello\n"),
            ("hello", &unique_bytes(size)),
        ]);
        let labels = HashMap::from([("gantry-test", "1")]);
        let options = bollard::query_parameters::BuildImageOptionsBuilder::default()
            .dockerfile("Dockerfile")
            .t(&name)
            .labels(&labels)
            .rm(true)
            .forcerm(true)
            .build();
        let body = bollard::body_full(hyper::body::Bytes::from(context));
        let mut stream = engine.docker().build_image(options, None, Some(body));
        let mut log = String::new();
        while let Some(info) = stream.next().await {
            let info =
                info.unwrap_or_else(|err| panic!("docker build of {name} failed: {err}\n{log}"));
            if let Some(detail) = info.error_detail {
                panic!("docker build of {name} failed: {:?}\n{log}", detail.message);
            }
            if let Some(line) = info.stream {
                log.push_str(&line);
            }
        }
        let inspect = engine
            .docker()
            .inspect_image(&name)
            .await
            .unwrap_or_else(|err| panic!("built {name} but cannot inspect it: {err}\n{log}"));
        let id = inspect.id.expect("inspected image has an id");
        TestImage { id, name }
    }
}

impl Drop for TestImage {
    fn drop(&mut self) {
        let id = self.id.clone();
        // Drop cannot await: remove it on a thread with its own runtime.
        let handle = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            runtime.block_on(async move {
                let Ok(engine) = gantry_docker::connect(None).await else {
                    return;
                };
                let options = bollard::query_parameters::RemoveImageOptionsBuilder::default()
                    .force(true)
                    .build();
                if let Err(err) = engine.docker().remove_image(&id, Some(options), None).await {
                    eprintln!("could not remove test image {id}: {err}");
                }
            });
        });
        let _ = handle.join();
    }
}

/// Whether the daemon still has `image` (name or ID).
pub(crate) async fn exists(engine: &Engine, image: &str) -> bool {
    engine.docker().inspect_image(image).await.is_ok()
}

/// Where a proxy listens.
pub(crate) enum Listen {
    Tcp,
    Unix(std::path::PathBuf),
}

/// A byte-for-byte proxy to the real daemon, on a TCP port or a unix
/// socket of our own; returns the Docker host address to use and the task,
/// whose `abort` makes the "daemon" go away for new connections.
pub(crate) async fn daemon_proxy(
    real: &Engine,
    listen: Listen,
) -> (String, tokio::task::JoinHandle<()>) {
    let upstream = real.endpoint().clone();
    async fn pipe<S>(mut client: S, upstream: gantry_docker::Endpoint)
    where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
    {
        match upstream {
            gantry_docker::Endpoint::Unix(path) => {
                if let Ok(mut server) = tokio::net::UnixStream::connect(path).await {
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                }
            }
            gantry_docker::Endpoint::Tcp(addr) => {
                if let Ok(mut server) = tokio::net::TcpStream::connect(addr).await {
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                }
            }
        }
    }
    match listen {
        Listen::Tcp => {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            let host = format!("tcp://{}", listener.local_addr().expect("addr"));
            let task = tokio::spawn(async move {
                while let Ok((client, _)) = listener.accept().await {
                    tokio::spawn(pipe(client, upstream.clone()));
                }
            });
            (host, task)
        }
        Listen::Unix(path) => {
            let listener = tokio::net::UnixListener::bind(&path).expect("bind unix socket");
            let host = format!("unix://{}", path.display());
            let task = tokio::spawn(async move {
                while let Ok((client, _)) = listener.accept().await {
                    tokio::spawn(pipe(client, upstream.clone()));
                }
            });
            (host, task)
        }
    }
}
