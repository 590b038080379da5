//! A throwaway OpenSSH sshd on 127.0.0.1 for the tests of tools that reach hosts:
//! a throwaway host key, a client key in authorized_keys, a temporary known_hosts,
//! an ssh_config naming the host `relkit-build`, and the session's HOME pointed at a
//! temporary directory.

use crate::{free_port, require_peer, running_as_root, Server};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub const HOST: &str = "relkit-build";

pub struct Sshd {
    _server: Server,
    pub dir: tempfile::TempDir,
}

impl Sshd {
    pub fn config(&self) -> PathBuf {
        self.dir.path().join("ssh_config")
    }
    pub fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }
}

fn keygen(path: &Path) {
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(path)
        .status()
        .expect("ssh-keygen runs");
    assert!(status.success());
}

pub fn start_sshd() -> Option<Sshd> {
    let sshd = require_peer("sshd")?;
    let ssh = require_peer("ssh")?;
    require_peer("ssh-keygen")?;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    keygen(&d.join("host_key"));
    keygen(&d.join("client_key"));
    std::fs::copy(d.join("client_key.pub"), d.join("authorized_keys")).unwrap();
    std::fs::create_dir(d.join("home")).unwrap();
    if running_as_root() {
        // sshd running as root wants its privilege-separation directory.
        let _ = std::fs::create_dir_all("/run/sshd");
    }
    let port = free_port();
    let user = String::from_utf8(Command::new("id").arg("-un").output().unwrap().stdout)
        .unwrap()
        .trim()
        .to_string();
    std::fs::write(
        d.join("sshd_config"),
        format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {d}/host_key\n\
             AuthorizedKeysFile {d}/authorized_keys\nPidFile {d}/sshd.pid\n\
             PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n\
             StrictModes no\nSetEnv HOME={d}/home\nLogLevel ERROR\n",
            d = d.display()
        ),
    )
    .unwrap();
    let host_pub = std::fs::read_to_string(d.join("host_key.pub")).unwrap();
    std::fs::write(
        d.join("known_hosts"),
        format!("[127.0.0.1]:{port} {host_pub}"),
    )
    .unwrap();
    std::fs::write(
        d.join("ssh_config"),
        format!(
            "Host {HOST}\n  HostName 127.0.0.1\n  Port {port}\n  User {user}\n\
             IdentityFile {d}/client_key\n  IdentitiesOnly yes\n\
             UserKnownHostsFile {d}/known_hosts\n  GlobalKnownHostsFile /dev/null\n\
             StrictHostKeyChecking yes\n",
            d = d.display()
        ),
    )
    .unwrap();
    let child = Command::new(sshd)
        .args(["-D", "-e", "-f"])
        .arg(d.join("sshd_config"))
        .stdout(Stdio::null())
        .spawn()
        .expect("sshd starts");
    let server = Server(child);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let ok = Command::new(&ssh)
            .args(["-F"])
            .arg(d.join("ssh_config"))
            .args(["-o", "BatchMode=yes", HOST, "true"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "sshd did not come up on port {port}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    Some(Sshd {
        _server: server,
        dir,
    })
}
