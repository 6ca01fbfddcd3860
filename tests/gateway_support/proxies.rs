//! Real proxies started from a configuration written to a temp dir: nginx and Caddy (the
//! configurations of `docs/gateway.md`), each a child process killed on drop.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use test_support::temp_dir;

use super::client;

/// The nginx configuration of `docs/gateway.md`, with `{dir}`, `{port}`, `{auth}` and `{upstream}`
/// filled in.
pub const NGINX_CONF: &str = include_str!("../gateway_configs/nginx.conf");
/// The Caddyfile of `docs/gateway.md`.
pub const CADDYFILE: &str = include_str!("../gateway_configs/Caddyfile");

/// A free loopback port (bound, then released for the proxy).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `name` on the PATH, or `None` (a failure under `CI=true`).
pub fn proxy(name: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .chain([PathBuf::from("/usr/sbin")])
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{name} is not installed (.ci/run installs it)"
        );
        eprintln!("SKIPPED: {name} is not installed");
    }
    found
}

pub struct Proxy {
    pub child: Child,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn wait_listening(base: &str, child: &mut Child, dir: &Path) {
    for _ in 0..200 {
        if client()
            .get(format!("{base}/healthz-of-nothing"))
            .send()
            .await
            .is_ok()
        {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            let log = std::fs::read_to_string(dir.join("error.log")).unwrap_or_default();
            panic!("the proxy exited ({status}): {log}");
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the proxy never listened on {base}");
}

fn fill(template: &str, dir: &Path, port: u16, auth: &str, upstream: &str) -> String {
    template
        .replace("{dir}", dir.to_str().unwrap())
        .replace("{port}", &port.to_string())
        .replace("{auth}", auth)
        .replace("{upstream}", upstream)
}

/// Start proxy `name` from `template` (written to `file` in a temp dir); `command` gets the
/// binary, the temp dir and the file, and returns the command to spawn.
pub async fn start_proxy(
    name: &str,
    template: &str,
    file: &str,
    auth: &str,
    upstream: &str,
    command: impl FnOnce(PathBuf, &Path, &Path) -> Command,
) -> Option<Proxy> {
    let bin = proxy(name)?;
    let dir = temp_dir(name);
    let port = free_port();
    let path = dir.join(file);
    std::fs::write(&path, fill(template, &dir, port, auth, upstream)).unwrap();
    let child = command(bin, &dir, &path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Owned by a Proxy before the wait, so that a proxy that never listens is still killed.
    let mut proxy = Proxy {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    wait_listening(&proxy.base, &mut proxy.child, &dir).await;
    Some(proxy)
}

/// nginx from the configuration of `docs/gateway.md`.
pub async fn nginx(auth: &str, upstream: &str) -> Option<Proxy> {
    nginx_from(NGINX_CONF, auth, upstream).await
}

/// nginx from `template` (the placeholders of [`NGINX_CONF`]).
pub async fn nginx_from(template: &str, auth: &str, upstream: &str) -> Option<Proxy> {
    start_proxy(
        "nginx",
        template,
        "nginx.conf",
        auth,
        upstream,
        |bin, dir, conf| {
            let mut c = Command::new(bin);
            c.arg("-p")
                .arg(dir)
                .arg("-c")
                .arg(conf)
                .arg("-e")
                .arg(dir.join("error.log"));
            c
        },
    )
    .await
}

/// Caddy from the Caddyfile of `docs/gateway.md`.
pub async fn caddy(auth: &str, upstream: &str) -> Option<Proxy> {
    start_proxy(
        "caddy",
        CADDYFILE,
        "Caddyfile",
        auth,
        upstream,
        |bin, dir, file| {
            let mut c = Command::new(bin);
            c.args(["run", "--adapter", "caddyfile", "--config"])
                .arg(file)
                .env("HOME", dir)
                .env("XDG_DATA_HOME", dir)
                .env("XDG_CONFIG_HOME", dir);
            c
        },
    )
    .await
}
