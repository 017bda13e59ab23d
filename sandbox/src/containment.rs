//! How the local runtime keeps a sandbox and everything it starts together, and bounds its
//! processes. What this machine offers is found once, when the runtime is built:
//!
//! - **A PID namespace per sandbox** (`unshare --pid --fork --kill-child --mount-proc`, inside a
//!   user namespace when that is what makes it work): the agent is the namespace's init, and
//!   when it dies the kernel kills every process in the namespace, whichever session or process
//!   group they moved to (`setsid`, double forks). The `unshare` parent is the sandbox's handle;
//!   killing it kills the agent (`--kill-child`). Without one a sandbox is only its process
//!   group, which `setsid` escapes.
//! - **A pids cgroup per sandbox** (cgroup v2 with the `pids` controller, or the v1 `pids`
//!   hierarchy) with `pids.max` = `SANDBOX_PIDS`: the kernel refuses a fork past it, for root
//!   too, and stopping kills every member of the group. Without one, a watchdog counts the
//!   tasks in the sandbox's PID namespace and kills the sandbox past the limit (after the
//!   fact: a fast fork burst can overshoot for up to [`WATCHDOG_EVERY`]).
//!
//! `prlimit --nproc` is set either way, but the kernel does not apply RLIMIT_NPROC to root, and
//! for other users it counts all of the user's processes, not the sandbox's.

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How often the watchdog counts a sandbox's tasks when there is no pids cgroup.
pub const WATCHDOG_EVERY: Duration = Duration::from_millis(100);

/// What keeps sandboxes contained on this machine.
#[derive(Clone, Debug, Default)]
pub struct Containment {
    /// `unshare` arguments giving a sandbox its own PID namespace; `None`: not available here.
    pub namespace: Option<Vec<String>>,
    /// Where each sandbox gets its pids cgroup; `None`: no writable pids controller.
    pub pids_cgroup: Option<PathBuf>,
    /// Why a PID namespace or pids cgroup is unavailable, for the start-up log.
    pub missing: Vec<String>,
}

impl Containment {
    /// Finds what this machine offers (runs `unshare` once or twice, probes the cgroup mounts).
    pub fn detect() -> Self {
        let mut missing = Vec::new();
        let namespace = namespace_args(&mut missing);
        let pids_cgroup = pids_cgroup(&mut missing);
        Self {
            namespace,
            pids_cgroup,
            missing,
        }
    }

    /// Says at start-up what contains local sandboxes, and warns about what does not.
    pub fn report(&self) {
        let root = running_as_root();
        match (&self.namespace, &self.pids_cgroup) {
            (Some(_), Some(cgroup)) => tracing::info!(
                cgroup = %cgroup.display(),
                "local sandboxes: each in its own PID namespace (stopping it kills every process \
                 it started) and its own pids cgroup (SANDBOX_PIDS enforced by the kernel)"
            ),
            (Some(_), None) => tracing::warn!(
                missing = ?self.missing,
                "local sandboxes: each in its own PID namespace (stopping it kills every process \
                 it started); no pids cgroup, so SANDBOX_PIDS is enforced by a watchdog that kills \
                 a sandbox past it"
            ),
            (None, Some(cgroup)) => tracing::warn!(
                cgroup = %cgroup.display(),
                missing = ?self.missing,
                "local sandboxes: no PID namespace; each is contained by its process group and its \
                 own pids cgroup (stopping kills every member of the cgroup; SANDBOX_PIDS enforced \
                 by the kernel)"
            ),
            (None, None) => tracing::warn!(
                missing = ?self.missing,
                root,
                "local sandboxes are contained ONLY by their process group: a process that calls \
                 setsid survives its sandbox's stop and the server's exit{}; run Corral where \
                 `unshare --pid --fork --kill-child` works, or use SANDBOX_RUNTIME=docker",
                if root {
                    ", and SANDBOX_PIDS is not enforced (the kernel ignores RLIMIT_NPROC for root)"
                } else {
                    ""
                }
            ),
        }
    }

    /// The sandbox's pids cgroup, if this machine has them.
    pub fn cgroup_of(&self, conversation: uuid::Uuid) -> Option<PathBuf> {
        self.pids_cgroup
            .as_ref()
            .map(|base| base.join(format!("corral-sandbox-{conversation}")))
    }
}

/// Whether this process runs as root (RLIMIT_NPROC does not bind it or its children).
pub fn running_as_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

fn namespace_args(missing: &mut Vec<String>) -> Option<Vec<String>> {
    let plain = ["--pid", "--fork", "--kill-child", "--mount-proc"];
    let candidates: [&[&str]; 2] = [
        &plain,
        // Without CAP_SYS_ADMIN a PID namespace needs a user namespace of its own.
        &[
            "--user",
            "--map-root-user",
            "--pid",
            "--fork",
            "--kill-child",
            "--mount-proc",
        ],
    ];
    for args in candidates {
        let tried = std::process::Command::new("unshare")
            .args(args)
            .arg("true")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .output();
        match tried {
            Ok(out) if out.status.success() => {
                return Some(args.iter().map(|a| (*a).to_owned()).collect());
            }
            Ok(out) => missing.push(format!(
                "unshare {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            )),
            Err(e) => {
                missing.push(format!("unshare: {e}"));
                return None;
            }
        }
    }
    None
}

/// A directory under which this process may create pids cgroups: its own cgroup in a cgroup v2
/// hierarchy with the `pids` controller, else in the v1 `pids` hierarchy. Probed by creating
/// (and removing) one.
fn pids_cgroup(missing: &mut Vec<String>) -> Option<PathBuf> {
    let (Ok(mounts), Ok(own)) = (
        std::fs::read_to_string("/proc/self/mountinfo"),
        std::fs::read_to_string("/proc/self/cgroup"),
    ) else {
        missing.push("no /proc/self/mountinfo or /proc/self/cgroup".into());
        return None;
    };
    let mut candidates = Vec::new();
    for line in mounts.lines() {
        let fields: Vec<&str> = line.split(' ').collect();
        let Some(dash) = fields.iter().position(|f| *f == "-") else {
            continue;
        };
        let (Some(root), Some(mount), Some(fstype), Some(options)) = (
            fields.get(3),
            fields.get(4),
            fields.get(dash + 1),
            fields.get(dash + 3),
        ) else {
            continue;
        };
        let v1_pids = *fstype == "cgroup" && options.split(',').any(|o| o == "pids");
        if *fstype != "cgroup2" && !v1_pids {
            continue;
        }
        // This process's cgroup in that hierarchy: `0::/path` (v2) or `N:pids:/path` (v1).
        let path = own.lines().find_map(|l| {
            let mut parts = l.splitn(3, ':');
            let (_, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
            let wanted = if v1_pids {
                controllers.split(',').any(|c| c == "pids")
            } else {
                controllers.is_empty()
            };
            wanted.then_some(path)
        });
        let Some(path) = path else { continue };
        let relative = path
            .strip_prefix(root.trim_end_matches('/'))
            .unwrap_or(path);
        let dir = Path::new(mount).join(relative.trim_start_matches('/'));
        // cgroup v2 first: v1 is the fallback of hybrid machines.
        candidates.push((!v1_pids, dir));
    }
    candidates.sort_by_key(|(v2, _)| !*v2);
    for (v2, dir) in candidates {
        match probe(&dir, v2) {
            Ok(()) => return Some(dir),
            Err(e) => missing.push(format!("pids cgroup under {}: {e}", dir.display())),
        }
    }
    if missing.iter().all(|m| !m.starts_with("pids cgroup")) {
        missing.push("no cgroup hierarchy with the pids controller is mounted".into());
    }
    None
}

/// Creates a pids cgroup under `dir`, sets its limit and removes it.
fn probe(dir: &Path, v2: bool) -> std::io::Result<()> {
    if v2 {
        let controllers = std::fs::read_to_string(dir.join("cgroup.controllers"))?;
        if !controllers.split_whitespace().any(|c| c == "pids") {
            return Err(std::io::Error::other(
                "the pids controller is not available",
            ));
        }
        let enabled = std::fs::read_to_string(dir.join("cgroup.subtree_control"))?;
        if !enabled.split_whitespace().any(|c| c == "pids") {
            std::fs::write(dir.join("cgroup.subtree_control"), "+pids")?;
        }
    }
    // Unique: runtimes in one process (tests) may probe at the same time.
    let probe = dir.join(format!("corral-probe-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir(&probe)?;
    let limited = std::fs::write(probe.join("pids.max"), "16");
    let removed = std::fs::remove_dir(&probe);
    limited.and(removed)
}

/// Creates a sandbox's pids cgroup with its limit.
pub fn create_cgroup(group: &Path, max: u32) -> std::io::Result<()> {
    match std::fs::create_dir(group) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e),
    }
    std::fs::write(group.join("pids.max"), max.to_string())
}

/// The processes in a cgroup (none once it is gone).
pub fn cgroup_members(group: &Path) -> Vec<Pid> {
    std::fs::read_to_string(group.join("cgroup.procs"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.trim().parse::<i32>().ok())
        .map(Pid::from_raw)
        .collect()
}

/// Kills every process in a cgroup (`cgroup.kill` where the kernel has it).
pub fn kill_cgroup(group: &Path) {
    if std::fs::write(group.join("cgroup.kill"), "1").is_ok() {
        return;
    }
    for pid in cgroup_members(group) {
        let _ = kill(pid, Signal::SIGKILL);
    }
}

/// The PID namespace a process's children are born in (`pid:[inode]`), when it differs from
/// the process's own, i.e. once `unshare --pid` has made it.
pub fn child_namespace(pid: u32) -> Option<PathBuf> {
    let own = std::fs::read_link(format!("/proc/{pid}/ns/pid")).ok()?;
    let children = std::fs::read_link(format!("/proc/{pid}/ns/pid_for_children")).ok()?;
    (own != children).then_some(children)
}

/// The processes in a PID namespace (host pids) and their tasks (threads included).
pub fn namespace_members(namespace: &Path) -> (Vec<Pid>, usize) {
    let (mut pids, mut tasks) = (Vec::new(), 0);
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return (pids, tasks);
    };
    for entry in entries.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        if std::fs::read_link(entry.path().join("ns/pid")).is_ok_and(|ns| ns == namespace) {
            pids.push(Pid::from_raw(pid));
            tasks += std::fs::read_dir(entry.path().join("task")).map_or(1, Iterator::count);
        }
    }
    (pids, tasks)
}
