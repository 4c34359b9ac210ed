//! The API's own version, which dvb checks on connect so that a dvb and a devnetd from
//! different builds say so at once instead of failing on a call one of them lacks.
//!
//! `MAJOR.MINOR.PATCH`: MINOR grows when a service, call or field is added (an older client
//! still works against the newer daemon), MAJOR when one changes meaning or goes. Bump it with
//! every change to `proto/devnet/v1/devnet.proto`.

/// The version of `devnet.v1` this build serves and speaks.
pub const API_VERSION: &str = "1.14.0";

/// `Ok` when a client of [`API_VERSION`] can use a daemon serving `daemon`; otherwise what to
/// do about it.
pub fn check(daemon: &str) -> Result<(), String> {
    let restart = "stop it (SIGTERM to the pid `dvb daemon status` shows; its nodes keep running) and start \
                   the devnetd built with this dvb, which adopts them";
    if daemon.is_empty() {
        return Err(format!(
            "the daemon predates API versions, so it is older than this dvb: {restart}"
        ));
    }
    let Some(theirs) = parse(daemon) else {
        return Err(format!(
            "the daemon's API version {daemon:?} is not MAJOR.MINOR.PATCH; run a devnetd and a dvb of one build"
        ));
    };
    let Some(ours) = parse(API_VERSION) else {
        return Err(format!(
            "this dvb's own API version {API_VERSION:?} does not parse (a build fault)"
        ));
    };
    if theirs.0 > ours.0 {
        return Err(
            "this dvb is older than the daemon: use the dvb built with that devnetd (`devnetd --version`)".into(),
        );
    }
    if theirs.0 < ours.0 || theirs.1 < ours.1 {
        return Err(format!("the daemon is older than this dvb: {restart}"));
    }
    Ok(())
}

fn parse(v: &str) -> Option<(u64, u64, u64)> {
    let mut parts = v.split('.').map(|p| p.parse::<u64>().ok());
    let out = (parts.next()??, parts.next()??, parts.next()??);
    parts.next().is_none().then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ours() -> (u64, u64, u64) {
        parse(API_VERSION).unwrap()
    }

    #[test]
    fn the_same_version_and_a_newer_minor_are_compatible() {
        let (major, minor, patch) = ours();
        assert_eq!(check(API_VERSION), Ok(()));
        assert_eq!(check(&format!("{major}.{minor}.{}", patch + 7)), Ok(()));
        assert_eq!(check(&format!("{major}.{}.0", minor + 1)), Ok(()));
    }

    #[test]
    fn an_older_daemon_is_told_to_restart() {
        let (major, minor, _) = ours();
        let older_major = check(&format!("{}.{minor}.0", major - 1)).unwrap_err();
        assert!(older_major.contains("older than this dvb"), "{older_major}");
        assert!(older_major.contains("SIGTERM"), "{older_major}");
        if minor > 0 {
            let older_minor = check(&format!("{major}.{}.0", minor - 1)).unwrap_err();
            assert!(older_minor.contains("older than this dvb"), "{older_minor}");
        }
        assert!(check("").unwrap_err().contains("predates API versions"));
    }

    #[test]
    fn a_newer_daemon_asks_for_its_own_dvb() {
        let (major, _, _) = ours();
        let e = check(&format!("{}.0.0", major + 1)).unwrap_err();
        assert!(e.contains("this dvb is older than the daemon"), "{e}");
    }

    #[test]
    fn a_version_that_does_not_parse_is_named() {
        for bad in ["1.1", "v1.1.0", "1.1.0.1", "one.two.three"] {
            let e = check(bad).unwrap_err();
            assert!(e.contains(&format!("{bad:?}")), "{bad}: {e}");
        }
    }
}
