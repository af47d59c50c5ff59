//! Table test of image references, mirroring distribution/reference's own
//! tables (reference_test.go, normalize_test.go) plus the cases gantry's
//! users hit. Valid references are checked part by part and for an exact
//! round trip; invalid ones for the exact error message.
//!
//! Templates: `{sha256}`, `{sha512}` expand to valid digests, `{hex64}` to
//! 64 hex digits.

use gantry_image::{ImageRef, ParseError};

const HEX64: &str = "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";
const ID: &str = "1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a";

fn expand(template: &str) -> String {
    template
        .replace("{sha256}", &format!("sha256:{HEX64}"))
        .replace("{sha512}", &format!("sha512:{HEX64}{HEX64}"))
        .replace("{hex64}", HEX64)
        .replace("{id}", ID)
}

/// A valid reference and what each accessor returns. `""` for `domain`,
/// `tag` and `digest` means `None`.
struct Valid {
    input: String,
    domain: String,
    path: String,
    tag: String,
    digest: String,
    registry: String,
    repository: String,
    normalized: String,
    familiar: String,
}

/// Builds a [`Valid`] from templates, in the order of its fields.
fn valid(fields: [&str; 9]) -> Valid {
    let [
        input,
        domain,
        path,
        tag,
        digest,
        registry,
        repository,
        normalized,
        familiar,
    ] = fields.map(expand);
    Valid {
        input,
        domain,
        path,
        tag,
        digest,
        registry,
        repository,
        normalized,
        familiar,
    }
}

#[rustfmt::skip]
fn valid_cases() -> Vec<Valid> {
    let mut cases: Vec<Valid> = [
        // Docker Hub: every spelling of the same official image.
        ["nginx", "", "nginx", "", "", "docker.io", "library/nginx", "docker.io/library/nginx", "nginx"],
        ["nginx:1.25", "", "nginx", "1.25", "", "docker.io", "library/nginx", "docker.io/library/nginx:1.25", "nginx:1.25"],
        ["library/nginx", "", "library/nginx", "", "", "docker.io", "library/nginx", "docker.io/library/nginx", "nginx"],
        ["docker.io/library/nginx", "docker.io", "library/nginx", "", "", "docker.io", "library/nginx", "docker.io/library/nginx", "nginx"],
        ["index.docker.io/library/nginx", "index.docker.io", "library/nginx", "", "", "docker.io", "library/nginx", "docker.io/library/nginx", "nginx"],
        ["index.docker.io/nginx", "index.docker.io", "nginx", "", "", "docker.io", "library/nginx", "docker.io/library/nginx", "nginx"],
        ["docker.io/nginx", "docker.io", "nginx", "", "", "docker.io", "library/nginx", "docker.io/library/nginx", "nginx"],
        ["docker.io/library/nginx:stable-alpine", "docker.io", "library/nginx", "stable-alpine", "", "docker.io", "library/nginx", "docker.io/library/nginx:stable-alpine", "nginx:stable-alpine"],
        // Docker Hub: user namespaces get no library/.
        ["docker.io/foo/bar", "docker.io", "foo/bar", "", "", "docker.io", "foo/bar", "docker.io/foo/bar", "foo/bar"],
        ["acme/api", "", "acme/api", "", "", "docker.io", "acme/api", "docker.io/acme/api", "acme/api"],
        ["index.docker.io/fooo/bar:1", "index.docker.io", "fooo/bar", "1", "", "docker.io", "fooo/bar", "docker.io/fooo/bar:1", "fooo/bar:1"],
        ["other/library", "", "other/library", "", "", "docker.io", "other/library", "docker.io/other/library", "other/library"],
        ["library/foo/bar", "", "library/foo/bar", "", "", "docker.io", "library/foo/bar", "docker.io/library/foo/bar", "library/foo/bar"],
        ["docker.io/library/foo/bar", "docker.io", "library/foo/bar", "", "", "docker.io", "library/foo/bar", "docker.io/library/foo/bar", "library/foo/bar"],
        ["ubuntu-12.04-base", "", "ubuntu-12.04-base", "", "", "docker.io", "library/ubuntu-12.04-base", "docker.io/library/ubuntu-12.04-base", "ubuntu-12.04-base"],
        // A path that looks like a registry keeps docker.io/ in familiar().
        ["docker.io/foo.bar/app", "docker.io", "foo.bar/app", "", "", "docker.io", "foo.bar/app", "docker.io/foo.bar/app", "docker.io/foo.bar/app"],
        // Registries are taken as written.
        ["ghcr.io/acme/api:1", "ghcr.io", "acme/api", "1", "", "ghcr.io", "acme/api", "ghcr.io/acme/api:1", "ghcr.io/acme/api:1"],
        ["ghcr.io/app", "ghcr.io", "app", "", "", "ghcr.io", "app", "ghcr.io/app", "ghcr.io/app"],
        ["registry-1.docker.io/library/nginx", "registry-1.docker.io", "library/nginx", "", "", "registry-1.docker.io", "library/nginx", "registry-1.docker.io/library/nginx", "registry-1.docker.io/library/nginx"],
        ["Docker.IO/library/nginx", "Docker.IO", "library/nginx", "", "", "Docker.IO", "library/nginx", "Docker.IO/library/nginx", "Docker.IO/library/nginx"],
        ["localhost/x", "localhost", "x", "", "", "localhost", "x", "localhost/x", "localhost/x"],
        ["localhost:5000/x", "localhost:5000", "x", "", "", "localhost:5000", "x", "localhost:5000/x", "localhost:5000/x"],
        ["localhost:5000/x:dev", "localhost:5000", "x", "dev", "", "localhost:5000", "x", "localhost:5000/x:dev", "localhost:5000/x:dev"],
        ["127.0.0.1:5000/x", "127.0.0.1:5000", "x", "", "", "127.0.0.1:5000", "x", "127.0.0.1:5000/x", "127.0.0.1:5000/x"],
        ["127.0.0.1:5000/library/debian", "127.0.0.1:5000", "library/debian", "", "", "127.0.0.1:5000", "library/debian", "127.0.0.1:5000/library/debian", "127.0.0.1:5000/library/debian"],
        ["192.168.0.1:8/debian", "192.168.0.1:8", "debian", "", "", "192.168.0.1:8", "debian", "192.168.0.1:8/debian", "192.168.0.1:8/debian"],
        ["192.168.1.1/repo", "192.168.1.1", "repo", "", "", "192.168.1.1", "repo", "192.168.1.1/repo", "192.168.1.1/repo"],
        ["192.168.1.1:5000/repo:5050", "192.168.1.1:5000", "repo", "5050", "", "192.168.1.1:5000", "repo", "192.168.1.1:5000/repo:5050", "192.168.1.1:5000/repo:5050"],
        ["example.com:8000/private/moonbase", "example.com:8000", "private/moonbase", "", "", "example.com:8000", "private/moonbase", "example.com:8000/private/moonbase", "example.com:8000/private/moonbase"],
        ["sub-dom1.foo.com/bar/baz/quux:some-long-tag", "sub-dom1.foo.com", "bar/baz/quux", "some-long-tag", "", "sub-dom1.foo.com", "bar/baz/quux", "sub-dom1.foo.com/bar/baz/quux:some-long-tag", "sub-dom1.foo.com/bar/baz/quux:some-long-tag"],
        ["b.gcr.io/test.example.com/my-app:test.example.com", "b.gcr.io", "test.example.com/my-app", "test.example.com", "", "b.gcr.io", "test.example.com/my-app", "b.gcr.io/test.example.com/my-app:test.example.com", "b.gcr.io/test.example.com/my-app:test.example.com"],
        ["xn--n3h.com/myimage:xn--n3h.com", "xn--n3h.com", "myimage", "xn--n3h.com", "", "xn--n3h.com", "myimage", "xn--n3h.com/myimage:xn--n3h.com", "xn--n3h.com/myimage:xn--n3h.com"],
        ["xn--7o8h.com/myimage:xn--7o8h.com@{sha512}", "xn--7o8h.com", "myimage", "xn--7o8h.com", "{sha512}", "xn--7o8h.com", "myimage", "xn--7o8h.com/myimage:xn--7o8h.com@{sha512}", "xn--7o8h.com/myimage:xn--7o8h.com@{sha512}"],
        ["xn--n3h.com:18080/foo", "xn--n3h.com:18080", "foo", "", "", "xn--n3h.com:18080", "foo", "xn--n3h.com:18080/foo", "xn--n3h.com:18080/foo"],
        ["test-com:8080/foo", "test-com:8080", "foo", "", "", "test-com:8080", "foo", "test-com:8080/foo", "test-com:8080/foo"],
        // IPv6 registries, in brackets.
        ["[::1]:5000/x", "[::1]:5000", "x", "", "", "[::1]:5000", "x", "[::1]:5000/x", "[::1]:5000/x"],
        ["[::1]/repo", "[::1]", "repo", "", "", "[::1]", "repo", "[::1]/repo", "[::1]/repo"],
        ["[2001:db8::1]/repo", "[2001:db8::1]", "repo", "", "", "[2001:db8::1]", "repo", "[2001:db8::1]/repo", "[2001:db8::1]/repo"],
        ["[2001:db8:1:2:3:4:5:6]/repo:tag", "[2001:db8:1:2:3:4:5:6]", "repo", "tag", "", "[2001:db8:1:2:3:4:5:6]", "repo", "[2001:db8:1:2:3:4:5:6]/repo:tag", "[2001:db8:1:2:3:4:5:6]/repo:tag"],
        ["[2001:db8::]:5000/repo", "[2001:db8::]:5000", "repo", "", "", "[2001:db8::]:5000", "repo", "[2001:db8::]:5000/repo", "[2001:db8::]:5000/repo"],
        ["[2001:db8::1]:5000/repo:tag@{sha256}", "[2001:db8::1]:5000", "repo", "tag", "{sha256}", "[2001:db8::1]:5000", "repo", "[2001:db8::1]:5000/repo:tag@{sha256}", "[2001:db8::1]:5000/repo:tag@{sha256}"],
        ["[fc00:1:2:3:4:5:6:7]:5000/library/debian", "[fc00:1:2:3:4:5:6:7]:5000", "library/debian", "", "", "[fc00:1:2:3:4:5:6:7]:5000", "library/debian", "[fc00:1:2:3:4:5:6:7]:5000/library/debian", "[fc00:1:2:3:4:5:6:7]:5000/library/debian"],
        // Uppercase first component: a registry, by Docker's rule.
        ["Foo/bar", "Foo", "bar", "", "", "Foo", "bar", "Foo/bar", "Foo/bar"],
        ["DOCKER/docker", "DOCKER", "docker", "", "", "DOCKER", "docker", "DOCKER/docker", "DOCKER/docker"],
        // Without a `/` nothing is a registry: host:port reads as name:tag.
        ["test_com", "", "test_com", "", "", "docker.io", "library/test_com", "docker.io/library/test_com", "test_com"],
        ["test.com:tag", "", "test.com", "tag", "", "docker.io", "library/test.com", "docker.io/library/test.com:tag", "test.com:tag"],
        ["test.com:5000", "", "test.com", "5000", "", "docker.io", "library/test.com", "docker.io/library/test.com:5000", "test.com:5000"],
        ["localhost:5000", "", "localhost", "5000", "", "docker.io", "library/localhost", "docker.io/library/localhost:5000", "localhost:5000"],
        ["foo_bar.com:8080", "", "foo_bar.com", "8080", "", "docker.io", "library/foo_bar.com", "docker.io/library/foo_bar.com:8080", "foo_bar.com:8080"],
        ["192.168.1.1", "", "192.168.1.1", "", "", "docker.io", "library/192.168.1.1", "docker.io/library/192.168.1.1", "192.168.1.1"],
        ["192.168.1.1:5000", "", "192.168.1.1", "5000", "", "docker.io", "library/192.168.1.1", "docker.io/library/192.168.1.1:5000", "192.168.1.1:5000"],
        // A first component without `.`, `:` or uppercase is a namespace.
        ["foo/foo_bar.com:8080", "", "foo/foo_bar.com", "8080", "", "docker.io", "foo/foo_bar.com", "docker.io/foo/foo_bar.com:8080", "foo/foo_bar.com:8080"],
        ["test:5000/repo", "test:5000", "repo", "", "", "test:5000", "repo", "test:5000/repo", "test:5000/repo"],
        ["test.com/repo:tag", "test.com", "repo", "tag", "", "test.com", "repo", "test.com/repo:tag", "test.com/repo:tag"],
        // Tags: case is kept, `_` may start one.
        ["lowercase:Uppercase", "", "lowercase", "Uppercase", "", "docker.io", "library/lowercase", "docker.io/library/lowercase:Uppercase", "lowercase:Uppercase"],
        ["ubuntu:_x", "", "ubuntu", "_x", "", "docker.io", "library/ubuntu", "docker.io/library/ubuntu:_x", "ubuntu:_x"],
        // Separators in path components.
        ["a--b", "", "a--b", "", "", "docker.io", "library/a--b", "docker.io/library/a--b", "a--b"],
        ["a__b", "", "a__b", "", "", "docker.io", "library/a__b", "docker.io/library/a__b", "a__b"],
        ["docker---rules/docker", "", "docker---rules/docker", "", "", "docker.io", "docker---rules/docker", "docker.io/docker---rules/docker", "docker---rules/docker"],
        ["dock__er/a.b_c-d", "", "dock__er/a.b_c-d", "", "", "docker.io", "dock__er/a.b_c-d", "docker.io/dock__er/a.b_c-d", "dock__er/a.b_c-d"],
        ["0", "", "0", "", "", "docker.io", "library/0", "docker.io/library/0", "0"],
        ["a/b/c/d/e", "", "a/b/c/d/e", "", "", "docker.io", "a/b/c/d/e", "docker.io/a/b/c/d/e", "a/b/c/d/e"],
        // Digests: without a tag, with a tag, other algorithms.
        ["app@{sha256}", "", "app", "", "{sha256}", "docker.io", "library/app", "docker.io/library/app@{sha256}", "app@{sha256}"],
        ["app:1@{sha256}", "", "app", "1", "{sha256}", "docker.io", "library/app", "docker.io/library/app:1@{sha256}", "app:1@{sha256}"],
        ["busybox:latest@{sha256}", "", "busybox", "latest", "{sha256}", "docker.io", "library/busybox", "docker.io/library/busybox:latest@{sha256}", "busybox:latest@{sha256}"],
        ["test:5000/repo@{sha256}", "test:5000", "repo", "", "{sha256}", "test:5000", "repo", "test:5000/repo@{sha256}", "test:5000/repo@{sha256}"],
        ["dmcgowan/myapp@{sha256}", "", "dmcgowan/myapp", "", "{sha256}", "docker.io", "dmcgowan/myapp", "docker.io/dmcgowan/myapp@{sha256}", "dmcgowan/myapp@{sha256}"],
        ["app@sha384:{hex64}ffffffffffffffffffffffffffffffff", "", "app", "", "sha384:{hex64}ffffffffffffffffffffffffffffffff", "docker.io", "library/app", "docker.io/library/app@sha384:{hex64}ffffffffffffffffffffffffffffffff", "app@sha384:{hex64}ffffffffffffffffffffffffffffffff"],
        ["validname@invaliddigest:{hex64}", "", "validname", "", "invaliddigest:{hex64}", "docker.io", "library/validname", "docker.io/library/validname@invaliddigest:{hex64}", "validname@invaliddigest:{hex64}"],
        ["app@multihash+b58.v1:0123456789ABCDEF0123456789abcdef", "", "app", "", "multihash+b58.v1:0123456789ABCDEF0123456789abcdef", "docker.io", "library/app", "docker.io/library/app@multihash+b58.v1:0123456789ABCDEF0123456789abcdef", "app@multihash+b58.v1:0123456789ABCDEF0123456789abcdef"],
        // 64 hex digits are a name once anything else is written.
        ["docker.io/{id}", "docker.io", "{id}", "", "", "docker.io", "library/{id}", "docker.io/library/{id}", "library/{id}"],
        ["{id}:tag", "", "{id}", "tag", "", "docker.io", "library/{id}", "docker.io/library/{id}:tag", "{id}:tag"],
        ["thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev", "", "thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev", "", "", "docker.io", "library/thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev", "docker.io/library/thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev", "thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev"],
    ]
    .into_iter()
    .map(valid)
    .collect();

    // Longest tag: 128 characters.
    let tag128 = "t".repeat(128);
    let input = format!("app:{tag128}");
    cases.push(valid([
        &input,
        "",
        "app",
        &tag128,
        "",
        "docker.io",
        "library/app",
        &format!("docker.io/library/app:{tag128}"),
        &input,
    ]));

    // Longest name: 255 characters, counted on the normalised name.
    let path234 = "a".repeat(234);
    let input = format!("registry.example.com/{path234}");
    cases.push(valid([
        &input,
        "registry.example.com",
        &path234,
        "",
        "",
        "registry.example.com",
        &path234,
        &input,
        &input,
    ]));
    let path237 = "b".repeat(237);
    cases.push(valid([
        &format!("{path237}:tag-not-counted"),
        "",
        &path237,
        "tag-not-counted",
        "",
        "docker.io",
        &format!("library/{path237}"),
        &format!("docker.io/library/{path237}:tag-not-counted"),
        &format!("{path237}:tag-not-counted"),
    ]));
    cases
}

/// Invalid references (templates) and their exact messages (templates).
#[rustfmt::skip]
fn invalid_cases() -> Vec<(String, String)> {
    let path_rule = "path components are lowercase letters and digits, joined by one `.`, one or two `_`, or any number of `-`";
    let tag_chars = "a tag contains only ASCII letters, digits, `_`, `.` and `-`";
    let host_rule = "a host name is dot-separated labels of ASCII letters, digits and `-`";
    let algorithm_rule = "an algorithm is lowercase letters and digits starting with a letter, optionally joined by `+`, `.`, `_` or `-` (e.g. `sha256`)";
    let digest_shape = "a digest is `algorithm:hex`, e.g. `sha256:` and 64 hexadecimal characters";
    let ipv6_rule = "an IPv6 address is hexadecimal digits and `:` between `[` and `]`, without a zone (`%eth0`) or an embedded IPv4 address";
    let missing_name = "a reference starts with a name such as `nginx` or `ghcr.io/acme/app`";
    let whitespace = "contains whitespace; image references have no spaces, tabs or newlines";
    let lowercase = "repository name must be lowercase";

    let mut cases: Vec<(String, String)> = [
        ("", "invalid image reference ``: empty".to_owned()),
        // Whitespace, never trimmed silently.
        (" nginx", format!("invalid image reference ` nginx`: {whitespace}")),
        ("nginx ", format!("invalid image reference `nginx `: {whitespace}")),
        ("ng inx", format!("invalid image reference `ng inx`: {whitespace}")),
        ("nginx:1\n", format!("invalid image reference `nginx:1\\n`: {whitespace}")),
        ("\tnginx", format!("invalid image reference `\\tnginx`: {whitespace}")),
        // Uppercase repository paths.
        ("Nginx:1", format!("invalid image reference `Nginx:1`: {lowercase}")),
        ("Uppercase:tag", format!("invalid image reference `Uppercase:tag`: {lowercase}")),
        ("test:5000/Uppercase/lowercase:tag", format!("invalid image reference `test:5000/Uppercase/lowercase:tag`: {lowercase}")),
        ("ghcr.io/Org/app", format!("invalid image reference `ghcr.io/Org/app`: {lowercase}")),
        ("docker/Docker", format!("invalid image reference `docker/Docker`: {lowercase}")),
        ("docker.io/docker/Docker", format!("invalid image reference `docker.io/docker/Docker`: {lowercase}")),
        ("Foo/Bar", format!("invalid image reference `Foo/Bar`: {lowercase}")),
        ("My_Org/app", format!("invalid image reference `My_Org/app`: {lowercase}")),
        // Nothing before `:` or `@`.
        (":tag", format!("invalid image reference `:tag`: no repository name before `:`; {missing_name}")),
        (":justtag", format!("invalid image reference `:justtag`: no repository name before `:`; {missing_name}")),
        ("@{sha256}", format!("invalid image reference `@{{sha256}}`: no repository name before `@`; {missing_name}")),
        // Path structure.
        ("a//b", "invalid image reference `a//b`: empty path component (`//`); components are separated by one `/`".to_owned()),
        ("docker///docker", "invalid image reference `docker///docker`: empty path component (`//`); components are separated by one `/`".to_owned()),
        ("a/", "invalid image reference `a/`: ends with `/`; every `/` must be followed by a path component".to_owned()),
        ("docker.io/", "invalid image reference `docker.io/`: ends with `/`; every `/` must be followed by a path component".to_owned()),
        ("app/:1", "invalid image reference `app/:1`: ends with `/`; every `/` must be followed by a path component".to_owned()),
        ("/app", "invalid image reference `/app`: starts with `/`; a name starts with a registry or a path component".to_owned()),
        ("a___b", format!("invalid image reference `a___b`: path component `a___b` contains `___`; {path_rule}")),
        ("docker/dock..er", format!("invalid image reference `docker/dock..er`: path component `dock..er` contains `..`; {path_rule}")),
        ("docker/dock_.er", format!("invalid image reference `docker/dock_.er`: path component `dock_.er` contains `_.`; {path_rule}")),
        ("docker/dock-.er", format!("invalid image reference `docker/dock-.er`: path component `dock-.er` contains `-.`; {path_rule}")),
        // normalize_test.go's namespaces with `.` are registries to Docker.
        ("dock..er/docker", format!("invalid registry `dock..er` in image reference `dock..er/docker`: empty label (`..`, or `.` at the start or end); {host_rule}")),
        ("dock_.er/docker", format!("invalid registry `dock_.er` in image reference `dock_.er/docker`: {host_rule} (found `_`)")),
        ("-docker", format!("invalid image reference `-docker`: path component `-docker` starts with `-`; {path_rule}")),
        ("____/____", format!("invalid image reference `____/____`: path component `____` starts with `_`; {path_rule}")),
        ("docker-/docker", format!("invalid image reference `docker-/docker`: path component `docker-` ends with `-`; {path_rule}")),
        ("aa/asdf$$^/aa", format!("invalid image reference `aa/asdf$$^/aa`: path component `asdf$$^` contains `$`; {path_rule}")),
        ("ngïnx", format!("invalid image reference `ngïnx`: path component `ngïnx` contains `ï`; {path_rule}")),
        ("nginx\u{1b}[31m", format!("invalid image reference `nginx\\u{{1b}}[31m`: path component `nginx\\u{{1b}}[31m` contains `\\u{{1b}}`; {path_rule}")),
        // Registries.
        ("foo_bar.com/x", format!("invalid registry `foo_bar.com` in image reference `foo_bar.com/x`: {host_rule} (found `_`)")),
        ("-docker.io/docker/docker", "invalid registry `-docker.io` in image reference `-docker.io/docker/docker`: label `-docker` starts or ends with `-`; labels start and end with a letter or digit".to_owned()),
        ("a..b.com/x", format!("invalid registry `a..b.com` in image reference `a..b.com/x`: empty label (`..`, or `.` at the start or end); {host_rule}")),
        (":5000/x", format!("invalid registry `:5000` in image reference `:5000/x`: no host before `:`; {host_rule}")),
        ("localhost:/x", "invalid registry `localhost:` in image reference `localhost:/x`: no port after `:`; a port is digits, e.g. `localhost:5000`".to_owned()),
        ("localhost:abc/x", "invalid registry `localhost:abc` in image reference `localhost:abc/x`: port `abc` is not a number; a port is digits, e.g. `localhost:5000`".to_owned()),
        ("app:v1/extra", "invalid registry `app:v1` in image reference `app:v1/extra`: port `v1` is not a number; a port is digits, e.g. `localhost:5000`".to_owned()),
        ("fc00::1:5000/debian", "invalid registry `fc00::1:5000` in image reference `fc00::1:5000/debian`: an IPv6 address goes in square brackets, e.g. `[fc00::1]:5000/app`".to_owned()),
        ("[fe80::1%eth0]:5000/repo", format!("invalid registry `[fe80::1%eth0]:5000` in image reference `[fe80::1%eth0]:5000/repo`: {ipv6_rule}")),
        ("[2001:db8:3:4::192.0.2.33]:5000/debian", format!("invalid registry `[2001:db8:3:4::192.0.2.33]:5000` in image reference `[2001:db8:3:4::192.0.2.33]:5000/debian`: {ipv6_rule}")),
        ("[::1]5000/x", "invalid registry `[::1]5000` in image reference `[::1]5000/x`: only a port may follow `]`, e.g. `[::1]:5000`".to_owned()),
        ("[2001:db8::1]", "invalid image reference `[2001:db8::1]`: a registry must be followed by `/` and a repository path, e.g. `[::1]:5000/app`".to_owned()),
        ("[2001:db8::1]:5000", "invalid image reference `[2001:db8::1]:5000`: a registry must be followed by `/` and a repository path, e.g. `[::1]:5000/app`".to_owned()),
        ("[2001:db8::1]:tag", "invalid image reference `[2001:db8::1]:tag`: a registry must be followed by `/` and a repository path, e.g. `[::1]:5000/app`".to_owned()),
        // URLs and image IDs.
        ("https://github.com/docker/docker", "invalid image reference `https://github.com/docker/docker`: image references have no URL scheme; drop `https://`".to_owned()),
        ("docker://ghcr.io/acme/api:1", "invalid image reference `docker://ghcr.io/acme/api:1`: image references have no URL scheme; drop `docker://`".to_owned()),
        ("{id}", "invalid image reference `{id}`: 64 hexadecimal characters are an image ID, not a repository name".to_owned()),
        // Tags.
        ("a:b:c", format!("invalid tag `b:c` in image reference `a:b:c`: {tag_chars} (found `:`)")),
        ("localhost:5000:tag", format!("invalid tag `5000:tag` in image reference `localhost:5000:tag`: {tag_chars} (found `:`)")),
        ("app:-x", "invalid tag `-x` in image reference `app:-x`: a tag starts with a letter, digit or underscore".to_owned()),
        ("app:.x", "invalid tag `.x` in image reference `app:.x`: a tag starts with a letter, digit or underscore".to_owned()),
        ("app:", "invalid tag `` in image reference `app:`: empty; a tag is 1 to 128 ASCII letters, digits, `_`, `.` or `-`".to_owned()),
        ("app:@{sha256}", "invalid tag `` in image reference `app:@{sha256}`: empty; a tag is 1 to 128 ASCII letters, digits, `_`, `.` or `-`".to_owned()),
        ("nginx:1.0é", format!("invalid tag `1.0é` in image reference `nginx:1.0é`: {tag_chars} (found `é`)")),
        ("app:feature+x", format!("invalid tag `feature+x` in image reference `app:feature+x`: {tag_chars} (found `+`)")),
        // Digests.
        ("app@sha256:abc", "invalid digest `sha256:abc` in `app@sha256:abc`: sha256 digests have 64 hexadecimal characters (this one has 3)".to_owned()),
        ("repo@sha256:ffffffffffffffffffffffffffffffffff", "invalid digest `sha256:ffffffffffffffffffffffffffffffffff` in `repo@sha256:ffffffffffffffffffffffffffffffffff`: sha256 digests have 64 hexadecimal characters (this one has 34)".to_owned()),
        ("app@sha512:{hex64}", "invalid digest `sha512:{hex64}` in `app@sha512:{hex64}`: sha512 digests have 128 hexadecimal characters (this one has 64)".to_owned()),
        ("app@sha256:UPPERCASE", "invalid digest `sha256:UPPERCASE` in `app@sha256:UPPERCASE`: the part after `:` is hexadecimal, 0-9 and a-f (found `U`)".to_owned()),
        ("app@sha256:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF", "invalid digest `sha256:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF` in `app@sha256:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF`: sha256 digests are lowercase hexadecimal, 0-9 and a-f (found uppercase)".to_owned()),
        ("app@SHA256:{hex64}", format!("invalid digest `SHA256:{{hex64}}` in `app@SHA256:{{hex64}}`: algorithm `SHA256` is not valid; {algorithm_rule}")),
        ("app@1sha:{hex64}", format!("invalid digest `1sha:{{hex64}}` in `app@1sha:{{hex64}}`: algorithm `1sha` is not valid; {algorithm_rule}")),
        ("app@sha256-:{hex64}", format!("invalid digest `sha256-:{{hex64}}` in `app@sha256-:{{hex64}}`: algorithm `sha256-` is not valid; {algorithm_rule}")),
        ("app@:{hex64}", format!("invalid digest `:{{hex64}}` in `app@:{{hex64}}`: algorithm `` is not valid; {algorithm_rule}")),
        ("app@blake3:0123456789abcdef", "invalid digest `blake3:0123456789abcdef` in `app@blake3:0123456789abcdef`: digests have at least 32 hexadecimal characters (this one has 16)".to_owned()),
        ("app@", format!("invalid digest `` in `app@`: empty; {digest_shape}")),
        ("app@sha256", format!("invalid digest `sha256` in `app@sha256`: no `:`; {digest_shape}")),
        ("app@{hex64}", format!("invalid digest `{{hex64}}` in `app@{{hex64}}`: no `:`; {digest_shape}")),
        ("app@{sha256}@{sha256}", "invalid digest `{sha256}@{sha256}` in `app@{sha256}@{sha256}`: the part after `:` is hexadecimal, 0-9 and a-f (found `@`)".to_owned()),
    ]
    .into_iter()
    .map(|(input, message)| (expand(input), expand(&message)))
    .collect();

    // One character over the longest tag.
    let tag129 = "t".repeat(129);
    cases.push((
        format!("app:{tag129}"),
        format!("invalid tag `{tag129}` in image reference `app:{tag129}`: tags are at most 128 characters (this one has 129)"),
    ));
    let too_long = |input: &str, length: usize| {
        (
            input.to_owned(),
            format!(
                "invalid image reference `{input}`: the full name has {length} characters \
                 (registry included, `docker.io/` or `docker.io/library/` when none is \
                 written); at most 255 are allowed"
            ),
        )
    };
    // reference_test.go: over the limit as written.
    cases.push(too_long(&format!("{}a:tag", "a/".repeat(128)), 267));
    // reference_test.go's longest valid name is 255 as written, but Docker
    // Hub's implied `docker.io/` puts it over.
    cases.push(too_long(
        &format!("{}a:tag-puts-this-over-max", "a/".repeat(127)),
        265,
    ));
    // A written registry counts.
    cases.push(too_long(
        &format!("registry.example.com/{}", "a".repeat(235)),
        256,
    ));
    // An implied `docker.io/library/` counts.
    cases.push(too_long(&"b".repeat(238), 256));
    // normalize_test.go: namespace too long.
    let namespace =
        ["this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255"; 4].join("_");
    cases.push(too_long(&format!("{namespace}/docker"), 288));
    cases
}

fn check_valid(case: &Valid) -> Vec<String> {
    let image = match ImageRef::parse(&case.input) {
        Ok(image) => image,
        Err(error) => return vec![format!("unexpected error: {error}")],
    };
    let none_if_empty = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    let checks = [
        ("Display", Some(image.to_string()), Some(case.input.clone())),
        (
            "domain",
            image.domain().map(str::to_owned),
            none_if_empty(&case.domain),
        ),
        (
            "path",
            Some(image.path().to_owned()),
            Some(case.path.clone()),
        ),
        (
            "tag",
            image.tag().map(|t| t.as_str().to_owned()),
            none_if_empty(&case.tag),
        ),
        (
            "digest",
            image.digest().map(|d| d.as_str().to_owned()),
            none_if_empty(&case.digest),
        ),
        (
            "registry",
            Some(image.registry().to_owned()),
            Some(case.registry.clone()),
        ),
        (
            "repository",
            Some(image.repository()),
            Some(case.repository.clone()),
        ),
        (
            "normalized",
            Some(image.normalized()),
            Some(case.normalized.clone()),
        ),
        (
            "familiar",
            Some(image.familiar()),
            Some(case.familiar.clone()),
        ),
        (
            "name",
            Some(image.name().to_owned()),
            Some(match &case.domain[..] {
                "" => case.path.clone(),
                domain => format!("{domain}/{}", case.path),
            }),
        ),
        (
            "normalized_name",
            Some(image.normalized_name()),
            Some(format!("{}/{}", case.registry, case.repository)),
        ),
    ];
    let mut failures: Vec<String> = checks
        .into_iter()
        .filter(|(_, actual, expected)| actual != expected)
        .map(|(what, actual, expected)| format!("{what}: got {actual:?}, expected {expected:?}"))
        .collect();

    // The normalised and familiar forms name the same repository.
    for other in [image.normalized(), image.familiar()] {
        match ImageRef::parse(&other) {
            Ok(reparsed)
                if reparsed.same_repository(&image)
                    && reparsed.normalized() == image.normalized() => {}
            Ok(reparsed) => failures.push(format!(
                "`{other}` re-parses to a different image: {}",
                reparsed.normalized()
            )),
            Err(error) => failures.push(format!("`{other}` does not re-parse: {error}")),
        }
    }
    failures
}

#[test]
fn table_of_references() {
    let valid = valid_cases();
    let invalid = invalid_cases();
    assert!(valid.len() + invalid.len() >= 60);

    let mut failures = Vec::new();
    for case in &valid {
        for failure in check_valid(case) {
            failures.push(format!("`{}`: {failure}", case.input));
        }
    }
    for (input, expected) in &invalid {
        match ImageRef::parse(input) {
            Ok(image) => failures.push(format!(
                "`{input}`: parsed as {image:?}, expected: {expected}"
            )),
            Err(error) => {
                let message = error.to_string();
                if &message != expected {
                    failures.push(format!("`{input}`:\n   got: {message}\n  want: {expected}"));
                }
                if error.input() != input {
                    failures.push(format!("`{input}`: error input() is `{}`", error.input()));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn error_variants_carry_the_parts() {
    assert_eq!(ImageRef::parse(""), Err(ParseError::Empty));
    assert_eq!(
        ImageRef::parse("Nginx:1"),
        Err(ParseError::UppercaseRepository {
            input: "Nginx:1".to_owned()
        })
    );
    let Err(ParseError::InvalidTag { tag, problem, .. }) = ImageRef::parse("app:-x") else {
        panic!("expected an invalid tag");
    };
    assert_eq!(tag, "-x");
    assert_eq!(
        problem,
        gantry_image::TagProblem::InvalidStart { character: '-' }
    );
    let Err(ParseError::InvalidDigest {
        digest, problem, ..
    }) = ImageRef::parse("app@sha256:abc")
    else {
        panic!("expected an invalid digest");
    };
    assert_eq!(digest, "sha256:abc");
    assert_eq!(
        problem,
        gantry_image::DigestProblem::WrongLength {
            algorithm: "sha256".to_owned(),
            expected: 64,
            actual: 3
        }
    );
}

#[test]
fn with_and_without_keep_the_users_spelling() {
    let image: ImageRef = "index.docker.io/nginx:1.25".parse().unwrap();
    let tag = gantry_image::Tag::parse("1.27").unwrap();
    let digest = gantry_image::Digest::parse(&format!("sha256:{HEX64}")).unwrap();

    assert_eq!(
        image.with_tag(tag.clone()).to_string(),
        "index.docker.io/nginx:1.27"
    );
    let pinned = image.with_digest(digest.clone());
    assert_eq!(
        pinned.to_string(),
        format!("index.docker.io/nginx:1.25@sha256:{HEX64}")
    );
    assert_eq!(
        pinned.with_tag(tag).to_string(),
        format!("index.docker.io/nginx:1.27@sha256:{HEX64}")
    );
    assert_eq!(
        pinned.without_tag().to_string(),
        format!("index.docker.io/nginx@sha256:{HEX64}")
    );
    assert_eq!(pinned.without_digest(), image);
    assert_eq!(
        pinned.without_tag().without_digest().to_string(),
        "index.docker.io/nginx"
    );
    assert_eq!(pinned.digest(), Some(&digest));
    assert_eq!(
        pinned.normalized(),
        format!("docker.io/library/nginx:1.25@sha256:{HEX64}")
    );
    assert_eq!(pinned.familiar(), format!("nginx:1.25@sha256:{HEX64}"));
}
