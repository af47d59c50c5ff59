//! `cargo bench -p gantry-e2e --bench tag`: the figures of issue 3's
//! acceptance, printed, with peers measured in the same run.
//!
//! (a) whole-process time of `gantry-tag compute` for a typical push-tag
//!     context (semver, sha and ref rules, two images), next to
//!     `git --version` and `true`;
//! (b) adding 5 tags to a ~50 MB two-platform OCI index in the real local
//!     registry: `gantry-tag push` vs `skopeo copy --all` per tag vs
//!     `docker pull` + `docker tag` + `docker push` through the daemon, each
//!     behind our counting proxy (bytes moved = request + response bodies),
//!     and whether each kept the index digest.
//!
//! Needs `cargo build --release --bins` first (the binaries under test are
//! the release ones) and the rig (`tests/rig/install.sh`: docker-registry).
//! `bench/run.sh` does both. Knobs: `BENCH_COMPUTE_RUNS` (default 200),
//! `BENCH_PUSH_RUNS` (default 5), `BENCH_DOCKER_RUNS` (default 5, at most
//! `BENCH_PUSH_RUNS`).

// A bench is a program whose job is to print its figures, and it fails
// loudly on any broken precondition, like a test.
#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use gantry_test_support::fault_server::{FaultProxy, Seen};
use gantry_test_support::oci_image::{
    OCI_CONFIG, OCI_INDEX, OCI_LAYER, OCI_MANIFEST, Uploader, random_bytes, sha256_digest,
};
use gantry_test_support::registry::Registry;

const REPOSITORY: &str = "bench/app";
const TAGS_PER_RUN: usize = 5;
/// Two platforms × two layers × 12.5 MiB ≈ 50 MiB (52 MB) of random layers.
const LAYER_BYTES: usize = 12_800 * 1024;
const LAYERS_PER_PLATFORM: usize = 2;
const PLATFORMS: [&str; 2] = ["amd64", "arm64"];

const ACCEPT: &str = "application/vnd.oci.image.index.v1+json, \
    application/vnd.oci.image.manifest.v1+json, \
    application/vnd.docker.distribution.manifest.list.v2+json, \
    application/vnd.docker.distribution.manifest.v2+json";

fn main() {
    // `cargo bench` passes `--bench`; any other argument filters sections.
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let wants = |name: &str| filter.is_empty() || filter.iter().any(|f| name.contains(f));
    let bin = release_dir();
    let gantry_tag = bin.join("gantry-tag");
    assert!(
        gantry_tag.is_file(),
        "{} is missing: run `cargo build --release --bins` first (bench/run.sh does)",
        gantry_tag.display()
    );
    if wants("compute") {
        bench_compute(&gantry_tag, env_usize("BENCH_COMPUTE_RUNS", 200));
    }
    if wants("push") {
        bench_push(
            &gantry_tag,
            env_usize("BENCH_PUSH_RUNS", 5),
            env_usize("BENCH_DOCKER_RUNS", 5),
        );
    }
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(default)
}

/// `target/release` of this workspace (or of `CARGO_TARGET_DIR`).
fn release_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("release")
}

// ---------------------------------------------------------------------------
// (a) gantry-tag compute

fn compute_args() -> Vec<String> {
    [
        "compute",
        "--context=flags",
        "--event=push",
        "--git-ref=refs/tags/v1.2.3",
        "--sha=860c1904a1ce19322e91ac35af1ab07466440c37",
        "--now=2026-01-01T00:00:00Z",
        "--images",
        "ghcr.io/acme/api\nghcr.io/acme/worker",
        "--tags",
        "type=semver,pattern={{version}}\ntype=semver,pattern={{major}}.{{minor}}\n\
         type=sha\ntype=ref,event=branch",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect()
}

/// Wall time of one whole process (spawn to reap), output discarded.
fn time_process(program: &Path, args: &[String]) -> Duration {
    let start = Instant::now();
    let status = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()));
    let elapsed = start.elapsed();
    assert!(status.success(), "{} {args:?}: {status}", program.display());
    elapsed
}

fn bench_compute(gantry_tag: &Path, runs: usize) {
    let args = compute_args();
    let out = Command::new(gantry_tag).args(&args).output().unwrap();
    assert!(out.status.success(), "gantry-tag compute: {out:?}");
    let tags = String::from_utf8_lossy(&out.stdout);
    println!("\n==> (a) whole-process time of `gantry-tag compute`, push of refs/tags/v1.2.3");
    println!(
        "    rules: semver {{{{version}}}}, semver {{{{major}}}}.{{{{minor}}}}, sha, ref/branch; \
         2 images -> {} tags: {}",
        tags.lines().count(),
        tags.lines().collect::<Vec<_>>().join(" ")
    );

    let git = which("git").expect("git on PATH");
    let truth = which("true").expect("true on PATH");
    let peers: [(&str, PathBuf, Vec<String>); 3] = [
        ("gantry-tag compute (8 tags)", gantry_tag.to_owned(), args),
        ("git --version", git, vec!["--version".to_owned()]),
        ("true", truth, Vec::new()),
    ];
    // Warm up, then interleave the commands so drift hits them all alike.
    for (_, program, args) in &peers {
        for _ in 0..10 {
            time_process(program, args);
        }
    }
    let mut samples: Vec<Vec<Duration>> = vec![Vec::with_capacity(runs); peers.len()];
    for _ in 0..runs {
        for (i, (_, program, args)) in peers.iter().enumerate() {
            samples[i].push(time_process(program, args));
        }
    }
    println!("    {runs} runs each, interleaved, after 10 warm-up runs");
    println!(
        "    {:<30} {:>10} {:>10} {:>10}",
        "command", "median ms", "p90 ms", "min ms"
    );
    let medians: Vec<f64> = samples
        .iter_mut()
        .zip(&peers)
        .map(|(s, (name, _, _))| {
            s.sort();
            let median = ms(percentile(s, 50));
            println!(
                "    {:<30} {:>10.3} {:>10.3} {:>10.3}",
                name,
                median,
                ms(percentile(s, 90)),
                ms(s[0])
            );
            median
        })
        .collect();
    println!(
        "    gantry-tag compute / git --version: {:.2}x (median)",
        medians[0] / medians[1]
    );
}

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    let index = (sorted.len() * p).div_ceil(100).saturating_sub(1);
    sorted[index.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn median_f64(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

// ---------------------------------------------------------------------------
// (b) adding 5 tags to a ~50 MB multi-arch index

/// One method's result for one run.
#[derive(Debug, Default, Clone)]
struct Sample {
    seconds: f64,
    requests: usize,
    up: usize,
    down: usize,
    blob_up: usize,
    blob_down: usize,
    /// Per new tag: the digest the registry now holds under it.
    digests: Vec<String>,
    media_type: String,
}

impl Sample {
    fn from_requests(seconds: f64, seen: &[Seen]) -> Self {
        let blob = |r: &&Seen| r.path.contains("/blobs/");
        Self {
            seconds,
            requests: seen.len(),
            up: seen.iter().map(|r| r.request_bytes).sum(),
            down: seen.iter().map(|r| r.response_bytes).sum(),
            blob_up: seen.iter().filter(blob).map(|r| r.request_bytes).sum(),
            blob_down: seen.iter().filter(blob).map(|r| r.response_bytes).sum(),
            ..Self::default()
        }
    }

    fn moved(&self) -> usize {
        self.up + self.down
    }
}

struct Method {
    name: &'static str,
    samples: Vec<Sample>,
    note: Option<String>,
}

fn bench_push(gantry_tag: &Path, runs: usize, docker_runs: usize) {
    println!(
        "\n==> (b) adding {TAGS_PER_RUN} tags to a ~50 MB multi-arch image in the local registry"
    );
    let registry = Registry::start().unwrap_or_else(|e| {
        panic!("cannot start the registry (run `bash tests/rig/install.sh`): {e}")
    });
    let index = push_bench_index(&Uploader::for_registry(&registry));
    println!(
        "    image: OCI index {} of {} platforms ({}), {} random layers of {} bytes each: \
         {:.1} MB of blobs",
        index.digest,
        PLATFORMS.len(),
        PLATFORMS.join(", "),
        PLATFORMS.len() * LAYERS_PER_PLATFORM,
        LAYER_BYTES,
        index.blob_bytes as f64 / 1e6
    );
    let proxy = FaultProxy::start(Some(&registry.url())).unwrap();
    let repo = format!("{}/{REPOSITORY}", proxy.host_port());
    let source = format!("{repo}@{}", index.digest);
    println!("    every tool talks to the registry through a counting proxy at {repo}");

    let skopeo = skopeo_available();
    let docker = docker_available();
    let mut methods = vec![
        Method {
            name: "gantry-tag push",
            samples: Vec::new(),
            note: None,
        },
        Method {
            name: "skopeo copy --all (per tag)",
            samples: Vec::new(),
            note: skopeo.clone().err(),
        },
        Method {
            name: "docker pull+tag+push",
            samples: Vec::new(),
            note: docker.clone().err(),
        },
    ];

    // Interleave the methods run by run, so drift hits them alike; every run
    // writes fresh tags.
    for run in 0..runs {
        let tags = |prefix: &str| -> Vec<String> {
            (1..=TAGS_PER_RUN)
                .map(|i| format!("{prefix}{run}-t{i}"))
                .collect()
        };
        let g = tags("gantry-r");
        let mut sample = measure(&proxy, || run_gantry(gantry_tag, &source, &g));
        read_back(&registry, &g, &mut sample);
        methods[0].samples.push(sample);

        if let Ok(skopeo) = &skopeo {
            let s = tags("skopeo-r");
            let mut sample = measure(&proxy, || run_skopeo(skopeo, &source, &repo, &s));
            read_back(&registry, &s, &mut sample);
            methods[1].samples.push(sample);
        }

        if docker.is_ok() && run < docker_runs {
            let d = tags("docker-r");
            let mut sample = measure(&proxy, || run_docker(&source, &repo, &d));
            read_back(&registry, &d, &mut sample);
            docker_cleanup(&source, &repo, &d);
            methods[2].samples.push(sample);
        }
    }

    report(&methods, &index.digest);
}

fn measure(proxy: &FaultProxy, run: impl FnOnce()) -> Sample {
    proxy.clear_requests();
    let start = Instant::now();
    run();
    let seconds = start.elapsed().as_secs_f64();
    // The proxy records a request before it writes the response; give the
    // last one a moment to land (it is in the list already in practice).
    std::thread::sleep(Duration::from_millis(20));
    Sample::from_requests(seconds, &proxy.requests())
}

/// The digest and media type the registry holds under each tag (asked
/// directly, not through the proxy).
fn read_back(registry: &Registry, tags: &[String], sample: &mut Sample) {
    for tag in tags {
        let response = registry
            .request("GET", &format!("/v2/{REPOSITORY}/manifests/{tag}"))
            .header("Accept", ACCEPT)
            .send()
            .unwrap();
        assert_eq!(response.status, 200, "tag {tag} is missing after the run");
        sample.digests.push(sha256_digest(&response.body));
        sample.media_type = response.header("content-type").unwrap_or("?").to_owned();
    }
}

fn check(what: &str, out: &Output) {
    assert!(
        out.status.success(),
        "{what}: {}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn run_gantry(gantry_tag: &Path, source: &str, tags: &[String]) {
    let out = Command::new(gantry_tag)
        .args(["push", "--source", source, "--targets", &tags.join("\n")])
        .env_remove("DOCKER_CONFIG")
        .output()
        .unwrap();
    check("gantry-tag push", &out);
}

fn run_skopeo(skopeo: &Path, source: &str, repo: &str, tags: &[String]) {
    for tag in tags {
        let out = Command::new(skopeo)
            .args([
                "--insecure-policy",
                "copy",
                "--all",
                "--quiet",
                "--src-tls-verify=false",
                "--dest-tls-verify=false",
            ])
            .arg(format!("docker://{source}"))
            .arg(format!("docker://{repo}:{tag}"))
            .output()
            .unwrap();
        check("skopeo copy", &out);
    }
}

fn docker(args: &[&str]) -> Output {
    Command::new("docker").args(args).output().unwrap()
}

fn run_docker(source: &str, repo: &str, tags: &[String]) {
    check("docker pull", &docker(&["pull", "--quiet", source]));
    for tag in tags {
        let target = format!("{repo}:{tag}");
        check("docker tag", &docker(&["tag", source, &target]));
        check("docker push", &docker(&["push", "--quiet", &target]));
    }
}

fn docker_cleanup(source: &str, repo: &str, tags: &[String]) {
    let mut args = vec!["image".to_owned(), "rm".to_owned(), "-f".to_owned()];
    args.push(source.to_owned());
    args.extend(tags.iter().map(|t| format!("{repo}:{t}")));
    let out = Command::new("docker").args(&args).output().unwrap();
    check("docker image rm", &out);
}

fn skopeo_available() -> Result<PathBuf, String> {
    let skopeo = which("skopeo").ok_or_else(|| {
        "skopeo is not installed (bench/run.sh installs the Debian package as root)".to_owned()
    })?;
    let out = Command::new(&skopeo)
        .arg("--version")
        .output()
        .map_err(|e| format!("skopeo --version: {e}"))?;
    if !out.status.success() {
        return Err(format!("skopeo --version: {}", out.status));
    }
    println!(
        "    peer: {}",
        String::from_utf8_lossy(&out.stdout).trim_end()
    );
    Ok(skopeo)
}

fn docker_available() -> Result<(), String> {
    let out = Command::new("docker")
        .args([
            "version",
            "--format",
            "{{.Server.Version}} ({{.Server.Os}}/{{.Server.Arch}})",
        ])
        .output()
        .map_err(|e| format!("docker CLI: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "no Docker daemon: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    println!(
        "    peer: Docker Engine {}",
        String::from_utf8_lossy(&out.stdout).trim()
    );
    Ok(())
}

fn report(methods: &[Method], index_digest: &str) {
    let gantry = &methods[0].samples;
    let base_s = median_f64(&gantry.iter().map(|s| s.seconds).collect::<Vec<_>>());
    let base_b = median_f64(&gantry.iter().map(|s| s.moved() as f64).collect::<Vec<_>>());
    println!(
        "\n    {:<28} {:>4} {:>9} {:>13} {:>7} {:>6} {:>11} {:>11} {:>11} {:>9}",
        "method (5 new tags)",
        "runs",
        "median s",
        "min-max s",
        "x time",
        "reqs",
        "up bytes",
        "down bytes",
        "blob bytes",
        "x bytes"
    );
    for method in methods {
        if let Some(note) = &method.note {
            println!("    {:<28} skipped: {note}", method.name);
            continue;
        }
        let s = &method.samples;
        let med = |f: &dyn Fn(&Sample) -> f64| median_f64(&s.iter().map(f).collect::<Vec<_>>());
        let seconds = med(&|x| x.seconds);
        let moved = med(&|x| x.moved() as f64);
        let min = s.iter().map(|x| x.seconds).fold(f64::INFINITY, f64::min);
        let max = s.iter().map(|x| x.seconds).fold(0.0, f64::max);
        println!(
            "    {:<28} {:>4} {:>9.3} {:>13} {:>7.1} {:>6.0} {:>11.0} {:>11.0} {:>11.0} {:>9.1}",
            method.name,
            s.len(),
            seconds,
            format!("{min:.3}-{max:.3}"),
            seconds / base_s,
            med(&|x| x.requests as f64),
            med(&|x| x.up as f64),
            med(&|x| x.down as f64),
            med(&|x| (x.blob_up + x.blob_down) as f64),
            moved / base_b,
        );
    }
    println!(
        "    (x: ratio to gantry-tag push; bytes: request + response bodies through the proxy, \
         median per run of {TAGS_PER_RUN} tags; blob bytes: the part under /blobs/)"
    );
    println!("\n    digest under the new tags vs the source index {index_digest}:");
    for method in methods {
        if method.note.is_some() {
            continue;
        }
        let all: Vec<&String> = method.samples.iter().flat_map(|s| &s.digests).collect();
        let kept = all.iter().filter(|d| d.as_str() == index_digest).count();
        let media = method
            .samples
            .last()
            .map(|s| s.media_type.as_str())
            .unwrap_or("?");
        let mut others: Vec<&str> = all
            .iter()
            .filter(|d| d.as_str() != index_digest)
            .map(|d| d.as_str())
            .collect();
        others.sort_unstable();
        others.dedup();
        if kept == all.len() {
            println!(
                "    {:<28} preserved ({kept}/{} tags), {media}",
                method.name,
                all.len()
            );
        } else {
            println!(
                "    {:<28} CHANGED ({} of {} tags): now {} ({media})",
                method.name,
                all.len() - kept,
                all.len(),
                others.join(", ")
            );
        }
        if method.name.starts_with("docker") {
            println!(
                "    {:<28} (the daemon pulls only its own platform from the index and pushes \
                 a single-platform manifest: the other platform is gone from the new tags)",
                ""
            );
        }
    }
}

// ---------------------------------------------------------------------------
// The image: valid tar layers (Docker extracts them on pull) of random bytes.

struct BenchIndex {
    digest: String,
    blob_bytes: usize,
}

fn push_bench_index(up: &Uploader) -> BenchIndex {
    let mut entries = Vec::new();
    let mut blob_bytes = 0;
    for arch in PLATFORMS {
        let mut layers = Vec::new();
        for i in 0..LAYERS_PER_PLATFORM {
            let data = random_bytes(LAYER_BYTES).unwrap();
            let tar = tar_one_file(&format!("{arch}-layer-{i}.bin"), &data);
            let digest = up.push_blob(REPOSITORY, &tar).unwrap();
            blob_bytes += tar.len();
            layers.push((digest, tar.len()));
        }
        let config = serde_json::json!({
            "architecture": arch,
            "os": "linux",
            "created": "2026-01-01T00:00:00Z",
            "config": { "Labels": { "dev.gantry.bench": "tag" } },
            // Uncompressed layers: each diff id is the layer digest.
            "rootfs": { "type": "layers", "diff_ids": layers.iter().map(|(d, _)| d).collect::<Vec<_>>() },
        });
        let config = serde_json::to_vec(&config).unwrap();
        let config_digest = up.push_blob(REPOSITORY, &config).unwrap();
        blob_bytes += config.len();
        let manifest = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": { "mediaType": OCI_CONFIG, "digest": config_digest, "size": config.len() },
            "layers": layers.iter().map(|(digest, size)| serde_json::json!({
                "mediaType": OCI_LAYER, "digest": digest, "size": size
            })).collect::<Vec<_>>(),
        });
        let manifest = serde_json::to_vec_pretty(&manifest).unwrap();
        let digest = sha256_digest(&manifest);
        up.push_manifest(REPOSITORY, &digest, OCI_MANIFEST, &manifest)
            .unwrap();
        entries.push(serde_json::json!({
            "mediaType": OCI_MANIFEST,
            "digest": digest,
            "size": manifest.len(),
            "platform": { "os": "linux", "architecture": arch },
        }));
    }
    let index =
        serde_json::json!({ "schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries });
    // Pretty-printed: a tool that re-serialises the index changes its digest.
    let index = serde_json::to_vec_pretty(&index).unwrap();
    let digest = up
        .push_manifest(REPOSITORY, "source", OCI_INDEX, &index)
        .unwrap();
    BenchIndex { digest, blob_bytes }
}

/// A POSIX ustar archive holding one regular file.
fn tar_one_file(name: &str, data: &[u8]) -> Vec<u8> {
    fn field(header: &mut [u8], at: usize, len: usize, value: &[u8]) {
        header[at..at + value.len().min(len)].copy_from_slice(&value[..value.len().min(len)]);
    }
    let mut header = [0u8; 512];
    field(&mut header, 0, 100, name.as_bytes());
    field(&mut header, 100, 8, b"0000644\0");
    field(&mut header, 108, 8, b"0000000\0");
    field(&mut header, 116, 8, b"0000000\0");
    field(
        &mut header,
        124,
        12,
        format!("{:011o}\0", data.len()).as_bytes(),
    );
    field(
        &mut header,
        136,
        12,
        format!("{:011o}\0", 1_767_225_600u64).as_bytes(),
    ); // 2026-01-01
    field(&mut header, 148, 8, b"        ");
    header[156] = b'0';
    field(&mut header, 257, 6, b"ustar\0");
    field(&mut header, 263, 2, b"00");
    let sum: u32 = header.iter().map(|b| u32::from(*b)).sum();
    field(&mut header, 148, 8, format!("{sum:06o}\0 ").as_bytes());
    let padded = data.len().div_ceil(512) * 512;
    let mut tar = Vec::with_capacity(512 + padded + 1024);
    tar.extend_from_slice(&header);
    tar.extend_from_slice(data);
    tar.resize(512 + padded + 1024, 0);
    tar
}
