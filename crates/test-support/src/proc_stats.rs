//! What Linux's `/proc` says about a process, for the benchmarks' reports: resident memory and CPU
//! time. `None` where there is no such process, or no `/proc`.

/// `VmRSS` of process `pid` (`"self"` for this one), in KiB.
pub fn rss_kib(pid: impl std::fmt::Display) -> Option<u64> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Clock ticks per second of [`cpu_ticks`] (`USER_HZ`, 100 on Linux).
pub const TICKS_PER_SECOND: u64 = 100;

/// User + system CPU time of process `pid` (`"self"` for this one) so far, in clock ticks.
pub fn cpu_ticks(pid: impl std::fmt::Display) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The fields after the command name, which is in parentheses and may hold spaces: utime and
    // stime are fields 14 and 15 of the line, so the 12th and 13th after the name.
    let (_, rest) = stat.rsplit_once(')')?;
    let mut fields = rest.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime.saturating_add(stime))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(target_os = "linux")]
    fn reads_this_process_and_nothing_for_a_missing_one() {
        assert!(rss_kib("self").unwrap() > 0);
        assert!(rss_kib(std::process::id()).unwrap() > 0);
        // Busy until the CPU time moves on by one tick (10 ms of CPU), for at most 10 s.
        let (before, started) = (cpu_ticks("self").unwrap(), std::time::Instant::now());
        while cpu_ticks("self") == Some(before) && started.elapsed().as_secs() < 10 {
            std::hint::black_box(0u64);
        }
        assert!(cpu_ticks("self").unwrap() > before);
        assert_eq!((rss_kib(u32::MAX), cpu_ticks(u32::MAX)), (None, None));
    }
}
