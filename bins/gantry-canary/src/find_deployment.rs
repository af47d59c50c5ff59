//! `--deployment-id environment`: the deployment GitHub Actions created
//! for this job's `environment:`, so that the analysis shows on it instead
//! of on a second deployment beside it.
//!
//! GitHub gives no API from a job to its deployment. What identifies it:
//! the environment, the commit (`GITHUB_SHA`), and its statuses, which
//! GitHub Actions links to the job's page in the run
//! (`…/actions/runs/{GITHUB_RUN_ID}/job/{id}`). The newest deployment of
//! the environment at that commit whose statuses link to this run is the
//! one: a re-run's job creates a newer one than the attempt before.
//! GitHub may not list it yet when the step starts, so the search is
//! repeated every second for a few seconds; the listing is bounded in
//! pages, and a deployment already looked at is not read again.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use gantry_github::{
    Deployment, DeploymentFilter, DeploymentStatus, GitHub, ListPage, Repository, links_to_run,
};

/// How long the deployment may take to appear.
pub(crate) const WAIT: Duration = Duration::from_secs(10);
/// Between two searches.
pub(crate) const POLL: Duration = Duration::from_secs(1);
/// Deployments per page, and pages read per search: 90 deployments of one
/// environment at one commit go far beyond any real history (one per job
/// run), and bound what a search costs.
const PER_PAGE: u32 = 30;
const MAX_PAGES: u32 = 3;
/// Statuses per page, and pages read per deployment: Actions' own
/// statuses are its first ones, the last in GitHub's newest-first order.
const STATUSES_PER_PAGE: u32 = 100;
const MAX_STATUS_PAGES: u32 = 3;

/// What to look for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Search {
    pub(crate) environment: String,
    pub(crate) sha: String,
    pub(crate) run_id: String,
    /// The description of deployments gantry-canary creates itself: an
    /// earlier step of this run may have made one for the same
    /// environment and commit, linked to this run too.
    pub(crate) skip_description: String,
}

/// The deployment found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Found {
    pub(crate) deployment: Deployment,
    /// The job's page its status links to.
    pub(crate) log_url: Option<String>,
}

/// The search came back empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NotFound {
    /// Deployments of the environment at the commit looked at.
    pub(crate) looked_at: usize,
    /// Searches made.
    pub(crate) searches: u32,
}

/// The two listings the search reads (GitHub, or a table in tests).
pub(crate) trait Listing {
    fn deployments(
        &self,
        filter: &DeploymentFilter,
        page: u32,
        per_page: u32,
    ) -> Result<ListPage<Deployment>, gantry_github::Error>;
    fn statuses(
        &self,
        deployment_id: u64,
        page: u32,
        per_page: u32,
    ) -> Result<ListPage<DeploymentStatus>, gantry_github::Error>;
}

impl Listing for (&GitHub, &Repository) {
    fn deployments(
        &self,
        filter: &DeploymentFilter,
        page: u32,
        per_page: u32,
    ) -> Result<ListPage<Deployment>, gantry_github::Error> {
        self.0.list_deployments(self.1, filter, page, per_page)
    }

    fn statuses(
        &self,
        deployment_id: u64,
        page: u32,
        per_page: u32,
    ) -> Result<ListPage<DeploymentStatus>, gantry_github::Error> {
        self.0
            .list_deployment_statuses(self.1, deployment_id, page, per_page)
    }
}

/// The status of `statuses` that links to run `run_id`, if any.
pub(crate) fn run_status<'a>(
    statuses: &'a [DeploymentStatus],
    run_id: &str,
) -> Option<&'a DeploymentStatus> {
    statuses.iter().find(|s| {
        [&s.log_url, &s.target_url]
            .into_iter()
            .flatten()
            .any(|url| links_to_run(url, run_id))
    })
}

/// What one deployment's statuses say.
enum Verdict {
    Ours(Option<String>),
    /// Every status read, none links to this run: never ours (a
    /// deployment belongs to one job).
    NotOurs,
    /// No status yet, or more than was read: look again next time.
    Unknown,
}

fn judge(listing: &impl Listing, id: u64, run_id: &str) -> Result<Verdict, gantry_github::Error> {
    let mut page = 1;
    for _ in 0..MAX_STATUS_PAGES {
        let statuses = listing.statuses(id, page, STATUSES_PER_PAGE)?;
        if let Some(status) = run_status(&statuses.items, run_id) {
            let link = status
                .log_url
                .clone()
                .filter(|u| links_to_run(u, run_id))
                .or_else(|| status.target_url.clone());
            return Ok(Verdict::Ours(link));
        }
        match statuses.next {
            Some(next) if next > page => page = next,
            _ if page == 1 && statuses.items.is_empty() => return Ok(Verdict::Unknown),
            _ => return Ok(Verdict::NotOurs),
        }
    }
    Ok(Verdict::Unknown)
}

/// Search until found or `wait` has passed, every `poll`. A GitHub error
/// ends the search at once (the caller warns; statuses never decide).
pub(crate) fn find(
    listing: &impl Listing,
    search: &Search,
    wait: Duration,
    poll: Duration,
) -> Result<Result<Found, NotFound>, gantry_github::Error> {
    let deadline = Instant::now() + wait;
    let filter = DeploymentFilter {
        environment: Some(search.environment.clone()),
        sha: Some(search.sha.clone()),
        git_ref: None,
    };
    let mut not_ours: HashSet<u64> = HashSet::new();
    let mut looked_at: HashSet<u64> = HashSet::new();
    let mut searches = 0;
    loop {
        searches += 1;
        let mut page = 1;
        for _ in 0..MAX_PAGES {
            let listed = listing.deployments(&filter, page, PER_PAGE)?;
            for deployment in listed.items {
                // GitHub filters already; a server that does not is no
                // reason to report on another environment's deployment.
                if deployment.environment != search.environment
                    || deployment.sha != search.sha
                    || not_ours.contains(&deployment.id)
                {
                    continue;
                }
                looked_at.insert(deployment.id);
                if deployment.description.as_deref() == Some(search.skip_description.as_str()) {
                    not_ours.insert(deployment.id);
                    continue;
                }
                match judge(listing, deployment.id, &search.run_id)? {
                    Verdict::Ours(log_url) => {
                        return Ok(Ok(Found {
                            deployment,
                            log_url,
                        }));
                    }
                    Verdict::NotOurs => {
                        not_ours.insert(deployment.id);
                    }
                    Verdict::Unknown => {}
                }
            }
            match listed.next {
                Some(next) if next > page => page = next,
                _ => break,
            }
        }
        if Instant::now() + poll > deadline {
            return Ok(Err(NotFound {
                looked_at: looked_at.len(),
                searches,
            }));
        }
        std::thread::sleep(poll);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::cell::RefCell;

    const RUN: &str = "4242";
    const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

    fn link(run: &str) -> Option<String> {
        Some(format!(
            "https://github.com/acme/web/actions/runs/{run}/job/7"
        ))
    }

    fn status(id: u64, state: &str, url: Option<String>) -> DeploymentStatus {
        DeploymentStatus {
            id,
            state: state.to_owned(),
            log_url: url.clone(),
            target_url: url,
        }
    }

    fn deployment(id: u64, environment: &str, description: Option<&str>) -> Deployment {
        Deployment {
            id,
            sha: SHA.to_owned(),
            environment: environment.to_owned(),
            git_ref: "main".to_owned(),
            description: description.map(str::to_owned),
        }
    }

    /// A deployment and its statuses, newest first.
    type Listed = (Deployment, Vec<DeploymentStatus>);

    /// Deployments newest first, each with its statuses newest first;
    /// pages of the size asked for, and every call counted.
    struct Table {
        deployments: Vec<Listed>,
        calls: RefCell<Vec<String>>,
        /// Appear only at the n-th search (the deployment is late).
        visible_from: u32,
    }

    impl Table {
        fn new(deployments: Vec<Listed>) -> Table {
            Table {
                deployments,
                calls: RefCell::new(Vec::new()),
                visible_from: 1,
            }
        }
    }

    fn page_of<T: Clone>(items: &[T], page: u32, per_page: u32) -> ListPage<T> {
        let start = ((page - 1) * per_page) as usize;
        let end = (start + per_page as usize).min(items.len());
        ListPage {
            items: items.get(start..end).unwrap_or_default().to_vec(),
            next: (end < items.len()).then_some(page + 1),
        }
    }

    impl Listing for Table {
        fn deployments(
            &self,
            filter: &DeploymentFilter,
            page: u32,
            per_page: u32,
        ) -> Result<ListPage<Deployment>, gantry_github::Error> {
            let searches = self
                .calls
                .borrow()
                .iter()
                .filter(|c| c.as_str() == "list 1")
                .count() as u32
                + u32::from(page == 1);
            self.calls.borrow_mut().push(format!("list {page}"));
            let visible: Vec<Deployment> = if searches >= self.visible_from {
                self.deployments
                    .iter()
                    .map(|(d, _)| d.clone())
                    .filter(|d| filter.environment.as_deref() == Some(d.environment.as_str()))
                    .collect()
            } else {
                Vec::new()
            };
            Ok(page_of(&visible, page, per_page))
        }

        fn statuses(
            &self,
            deployment_id: u64,
            page: u32,
            per_page: u32,
        ) -> Result<ListPage<DeploymentStatus>, gantry_github::Error> {
            self.calls
                .borrow_mut()
                .push(format!("statuses {deployment_id} {page}"));
            let statuses = self
                .deployments
                .iter()
                .find(|(d, _)| d.id == deployment_id)
                .map(|(_, s)| s.clone())
                .unwrap_or_default();
            Ok(page_of(&statuses, page, per_page))
        }
    }

    fn search() -> Search {
        Search {
            environment: "production".to_owned(),
            sha: SHA.to_owned(),
            run_id: RUN.to_owned(),
            skip_description: "canary analysis by gantry-canary".to_owned(),
        }
    }

    fn run(table: &Table, wait: Duration) -> Result<Found, NotFound> {
        find(table, &search(), wait, Duration::from_millis(1)).unwrap()
    }

    #[test]
    fn the_newest_deployment_linked_to_this_run_is_found() {
        // (deployments newest first, wanted id or None)
        let table: Vec<(Vec<Listed>, Option<u64>)> = vec![
            // This run's, behind another run's newer one.
            (
                vec![
                    (
                        deployment(3, "production", None),
                        vec![status(31, "in_progress", link("9999"))],
                    ),
                    (
                        deployment(2, "production", None),
                        vec![
                            status(22, "in_progress", link(RUN)),
                            status(21, "queued", link(RUN)),
                        ],
                    ),
                ],
                Some(2),
            ),
            // A re-run: two of this run's, the newest wins.
            (
                vec![
                    (
                        deployment(5, "production", None),
                        vec![status(51, "in_progress", link(RUN))],
                    ),
                    (
                        deployment(4, "production", None),
                        vec![status(41, "failure", link(RUN))],
                    ),
                ],
                Some(5),
            ),
            // Run 42 is not run 4242.
            (
                vec![(
                    deployment(6, "production", None),
                    vec![status(61, "in_progress", link("42"))],
                )],
                None,
            ),
            // gantry's own deployment of an earlier step links to the
            // run too: never the environment's.
            (
                vec![
                    (
                        deployment(8, "production", Some("canary analysis by gantry-canary")),
                        vec![status(81, "success", link(RUN))],
                    ),
                    (
                        deployment(7, "production", None),
                        vec![status(71, "in_progress", link(RUN))],
                    ),
                ],
                Some(7),
            ),
            // Another environment's, even if a server does not filter.
            (
                vec![(
                    deployment(9, "staging", None),
                    vec![status(91, "in_progress", link(RUN))],
                )],
                None,
            ),
            // Only target_url (older GitHub Enterprise Server).
            (
                vec![(
                    deployment(10, "production", None),
                    vec![DeploymentStatus {
                        id: 101,
                        state: "in_progress".to_owned(),
                        log_url: None,
                        target_url: link(RUN),
                    }],
                )],
                Some(10),
            ),
            // No status at all.
            (vec![(deployment(11, "production", None), vec![])], None),
        ];
        for (deployments, want) in table {
            let listing = Table::new(deployments.clone());
            let got = run(&listing, Duration::ZERO).ok().map(|f| f.deployment.id);
            assert_eq!(got, want, "{deployments:?}");
        }
    }

    #[test]
    fn the_job_page_is_kept_for_the_links() {
        let listing = Table::new(vec![(
            deployment(1, "production", None),
            vec![status(11, "in_progress", link(RUN))],
        )]);
        let found = run(&listing, Duration::ZERO).unwrap();
        assert_eq!(found.log_url, link(RUN));
    }

    #[test]
    fn paging_is_bounded_and_old_deployments_are_read_once() {
        // 100 deployments of other runs: 3 pages of 30 are read per
        // search, each deployment's statuses once over all searches.
        let deployments: Vec<_> = (1..=100)
            .rev()
            .map(|id| {
                (
                    deployment(id, "production", None),
                    vec![status(id * 10, "success", link("1"))],
                )
            })
            .collect();
        let listing = Table::new(deployments);
        let missing = run(&listing, Duration::from_millis(30)).unwrap_err();
        assert_eq!(missing.looked_at, 90);
        assert!(missing.searches >= 2, "{missing:?}");
        let calls = listing.calls.borrow();
        let lists = calls.iter().filter(|c| c.starts_with("list ")).count();
        assert_eq!(lists as u32, 3 * missing.searches);
        assert!(!calls.iter().any(|c| c == "list 4"));
        let statuses = calls.iter().filter(|c| c.starts_with("statuses ")).count();
        assert_eq!(statuses, 90);
    }

    #[test]
    fn a_late_deployment_is_waited_for() {
        let mut listing = Table::new(vec![(
            deployment(1, "production", None),
            vec![status(11, "in_progress", link(RUN))],
        )]);
        listing.visible_from = 3;
        let found = run(&listing, Duration::from_secs(5)).unwrap();
        assert_eq!(found.deployment.id, 1);
        // …but not forever.
        let mut listing = Table::new(vec![]);
        listing.visible_from = 1;
        let started = Instant::now();
        let missing = find(
            &listing,
            &search(),
            Duration::from_millis(50),
            Duration::from_millis(10),
        )
        .unwrap()
        .unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(1));
        assert!(missing.searches >= 2, "{missing:?}");
        assert_eq!(missing.looked_at, 0);
    }
}
