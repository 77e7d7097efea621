#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! Model-based property test of the JWKS cache: random sequences of time steps, lookups and
//! fetch outcomes, checked step by step against a small reference model of the policy.

use jwtgate::__testing::Step;
use jwtgate::{Algorithm, CachePolicy, FetchOutcome, FetchTicket, JwksCache};
use jwtgate_tests::{jwk, jwks, signing_key};
use proptest::prelude::*;

#[derive(Clone, Copy, Debug)]
enum Kid {
    Known,
    Unknown,
    None,
}

#[derive(Clone, Copy, Debug)]
enum Outcome {
    Ok,
    Fail,
    Garbage,
    /// A well-formed set with no usable key: the issuer revoked every key.
    Revoke,
    /// Keep the ticket outstanding (a slow fetch).
    Hold,
}

#[derive(Clone, Copy, Debug)]
enum Edge {
    Ttl,
    Stale,
    Cooldown,
}

#[derive(Clone, Copy, Debug)]
enum Op {
    Advance(u64),
    /// Jump to just around an edge of the model (end of ttl, of stale-if-error, of cooldown).
    ToEdge(Edge, i8),
    Lookup(Kid, Outcome),
    /// Complete a held fetch, if any.
    Finish(Outcome),
    BackgroundRefresh(Outcome),
}

fn op() -> impl Strategy<Value = Op> {
    let kid = prop_oneof![Just(Kid::Known), Just(Kid::Unknown), Just(Kid::None)];
    let outcome = prop_oneof![4 => Just(Outcome::Ok), 3 => Just(Outcome::Fail), 1 => Just(Outcome::Garbage), 1 => Just(Outcome::Revoke), 1 => Just(Outcome::Hold)];
    prop_oneof![
        3 => prop_oneof![0..3u64, 0..120u64, 0..2000u64].prop_map(Op::Advance),
        2 => (prop_oneof![Just(Edge::Ttl), Just(Edge::Stale), Just(Edge::Cooldown)], -1..=1i8).prop_map(|(e, d)| Op::ToEdge(e, d)),
        5 => (kid, outcome.clone()).prop_map(|(k, o)| Op::Lookup(k, o)),
        1 => outcome.clone().prop_map(Op::Finish),
        1 => outcome.prop_map(Op::BackgroundRefresh),
    ]
}

fn policy() -> impl Strategy<Value = CachePolicy> {
    (
        60..1000u64,
        0..2000u64,
        0..30u64,
        0..100u64,
        0..60u64,
        any::<bool>(),
        1..120u64,
    )
        .prop_map(
            |(
                ttl,
                stale_if_error,
                failure_cooldown,
                unknown_kid_min_interval,
                refresh_ahead,
                honor_max_age,
                abandon,
            )| {
                CachePolicy {
                    ttl,
                    honor_max_age,
                    stale_if_error,
                    failure_cooldown,
                    unknown_kid_min_interval,
                    refresh_ahead,
                    fetch_abandon_after: abandon,
                    ..CachePolicy::DEFAULT
                }
            },
        )
}

/// What the policy allows, tracked independently of the implementation.
#[derive(Debug, Default)]
struct Model {
    /// A set is held and fresh until this time.
    fresh_until: Option<u64>,
    /// The held set is a revocation (no usable key): nothing may be served from it.
    revoked: bool,
    /// The end of the current failure cooldown.
    cooldown_until: u64,
    last_unknown_kid_fetch: Option<u64>,
    held: Option<(FetchTicket, u64)>,
    superseded: Vec<FetchTicket>,
    fetches_started: u64,
    background_fetches: u64,
}

struct World {
    cache: JwksCache<4>,
    policy: CachePolicy,
    model: Model,
    now: u64,
    document: String,
}

impl World {
    fn servable(&self) -> bool {
        self.model
            .fresh_until
            .is_some_and(|f| self.now < f.saturating_add(self.policy.stale_if_error))
    }

    /// Checks the invariants of starting a fetch now, then runs it to `outcome`.
    fn fetch(&mut self, ticket: FetchTicket, outcome: Outcome, unknown_kid: bool) {
        let now = self.now;
        self.model.fetches_started += 1;
        if let Some((_, started)) = &self.model.held {
            assert!(
                now >= started + self.policy.fetch_abandon_after,
                "second fetch in flight at {now}"
            );
            // The abandoned ticket is superseded: its answer must now change nothing.
            let (old, _) = self.model.held.take().unwrap();
            self.model.superseded.push(old);
        }
        assert!(
            now >= self.model.cooldown_until,
            "fetch inside the cooldown (until {}) at {now}",
            self.model.cooldown_until
        );
        if unknown_kid {
            if let Some(last) = self.model.last_unknown_kid_fetch {
                assert!(
                    now >= last + self.policy.unknown_kid_min_interval,
                    "unknown-kid fetch too soon at {now}"
                );
            }
            self.model.last_unknown_kid_fetch = Some(now);
        }
        self.finish(ticket, outcome);
    }

    /// Answers for superseded tickets arrive late: refused, and nothing changes.
    fn late_answers(&mut self) {
        for ticket in self.model.superseded.drain(..) {
            let before = (
                self.cache.counters(),
                self.cache.keys().keys().len(),
                self.cache.fresh_until(),
            );
            let late = FetchOutcome::Document {
                len: self.document.len(),
                max_age: None,
            };
            let body = self.document.as_bytes();
            assert!(self.cache.complete(ticket, self.now, body, late).is_err());
            assert_eq!(
                (
                    self.cache.counters(),
                    self.cache.keys().keys().len(),
                    self.cache.fresh_until()
                ),
                before
            );
        }
    }

    fn finish(&mut self, ticket: FetchTicket, outcome: Outcome) {
        let now = self.now;
        let servable_before = self.servable();
        let keys_before = self.cache.keys().keys().len();
        let result = match outcome {
            Outcome::Hold => {
                self.model.held = Some((ticket, now));
                return;
            }
            Outcome::Ok => self.cache.complete(
                ticket,
                now,
                self.document.as_bytes(),
                FetchOutcome::Document {
                    len: self.document.len(),
                    max_age: Some(300),
                },
            ),
            Outcome::Fail => self.cache.complete(ticket, now, &[], FetchOutcome::Failed),
            Outcome::Revoke => self.cache.complete(
                ticket,
                now,
                br#"{"keys":[]}"#,
                FetchOutcome::Document {
                    len: br#"{"keys":[]}"#.len(),
                    max_age: None,
                },
            ),
            Outcome::Garbage => self.cache.complete(
                ticket,
                now,
                b"{\"keys\":[1]}",
                FetchOutcome::Document {
                    len: b"{\"keys\":[1]}".len(),
                    max_age: None,
                },
            ),
        };
        match outcome {
            Outcome::Ok => {
                assert!(result.is_ok());
                self.model.fresh_until = Some(now + self.policy.effective_ttl(Some(300)));
                self.model.cooldown_until = 0;
                self.model.revoked = false;
            }
            // Authoritative: the set is replaced, fresh, and holds nothing.
            Outcome::Revoke => {
                assert_eq!(result.map(|r| r.loaded), Ok(0));
                assert!(self.cache.keys().is_empty(), "a revocation kept old keys");
                self.model.fresh_until = Some(now + self.policy.effective_ttl(None));
                self.model.cooldown_until = 0;
                self.model.revoked = true;
            }
            _ => {
                assert!(result.is_err());
                self.model.cooldown_until = now + self.policy.failure_cooldown;
                if servable_before {
                    assert_eq!(
                        self.cache.keys().keys().len(),
                        keys_before,
                        "a bad fetch emptied a servable cache"
                    );
                    assert!(self.servable());
                }
            }
        }
    }

    fn apply(&mut self, op: Op) {
        match op {
            Op::Advance(dt) => self.now += dt,
            Op::ToEdge(edge, delta) => {
                let at = match edge {
                    Edge::Ttl => self.model.fresh_until,
                    Edge::Stale => self
                        .model
                        .fresh_until
                        .map(|f| f + self.policy.stale_if_error),
                    Edge::Cooldown => Some(self.model.cooldown_until),
                };
                if let Some(at) = at.and_then(|at| at.checked_add_signed(delta.into())) {
                    self.now = self.now.max(at);
                }
            }
            Op::Lookup(kid, outcome) => {
                let text = match kid {
                    Kid::Known => Some("\"k\""),
                    Kid::Unknown => Some("\"other\""),
                    Kid::None => None,
                };
                let value = text.map(|t| jwtgate::__testing::parse(t.as_bytes(), 1).unwrap());
                let was_fresh = self.model.fresh_until.is_some_and(|f| self.now < f);
                let misses = self.cache.counters().misses;
                match self
                    .cache
                    .__step(self.now, value.and_then(|v| v.as_str()), Algorithm::Es256)
                {
                    Step::Ready { stale, .. } => {
                        let fresh_until = self
                            .model
                            .fresh_until
                            .expect("served keys that were never loaded");
                        assert!(
                            self.now < fresh_until + self.policy.stale_if_error,
                            "key served past ttl + stale_if_error"
                        );
                        assert_eq!(stale, self.now >= fresh_until);
                        assert!(!matches!(kid, Kid::Unknown));
                        assert!(!self.model.revoked, "a key served from a revoked set");
                    }
                    Step::Fetch(ticket) => {
                        assert_eq!(
                            self.cache.counters().misses,
                            misses + 1,
                            "a fetch is always a counted miss"
                        );
                        let unknown = was_fresh;
                        assert!(
                            !unknown || matches!(kid, Kid::Unknown) || self.model.revoked,
                            "fresh cache fetched for a known kid"
                        );
                        self.fetch(ticket, outcome, unknown);
                    }
                    Step::Wait => assert!(self.model.held.is_some() && !self.servable()),
                    Step::Fail(_) => assert_eq!(self.cache.counters().misses, misses),
                }
            }
            // Still slow: nothing happens. A late answer is still taken while no newer fetch
            // superseded it.
            Op::Finish(Outcome::Hold) => {}
            Op::Finish(outcome) => {
                if let Some((ticket, _)) = self.model.held.take() {
                    self.finish(ticket, outcome);
                }
            }
            Op::BackgroundRefresh(outcome) => {
                if let Some(ticket) = self.cache.__poll_refresh(self.now) {
                    if let Some(f) = self.model.fresh_until {
                        assert!(
                            self.now + self.policy.refresh_ahead >= f,
                            "refresh before it is due"
                        );
                    }
                    self.model.background_fetches += 1;
                    self.fetch(ticket, outcome, false);
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn cache_obeys_its_policy(policy in policy(), ops in prop::collection::vec(op(), 1..200)) {
        let document = jwks(&[jwk(&signing_key(1), r#""kid":"k""#), jwk(&signing_key(2), r#""kid":"j""#)]);
        let mut world = World { cache: JwksCache::new(policy), policy, model: Model::default(), now: 1_700_000_000, document };
        let mut superseded = 0;
        for op in ops {
            world.apply(op);
            superseded += u64::try_from(world.model.superseded.len()).unwrap();
            world.late_answers();
        }
        let c = world.cache.counters();
        // Every fetch is one miss or one background refresh; never more than one per miss.
        prop_assert!(world.model.fetches_started - world.model.background_fetches <= c.misses);
        let open = u64::from(world.model.held.is_some());
        prop_assert_eq!(c.fetches_ok + c.fetches_failed + open + superseded, world.model.fetches_started);
    }
}
