//! Arbitrary sequences of time steps, fetch outcomes (ok, failed, garbage, not-modified,
//! held), lookups and verifies with a known, rotated, unknown or no kid, background polls
//! and late answers, against a `JwksCache<4>` (inside a `SharedCache`, whose own
//! `verify_blocking` is exercised too), with an arbitrary policy.
//!
//! Invariants, checked against a model of the policy kept by the target:
//! - single flight: a ticket is never handed out while another is outstanding and not yet
//!   abandoned (`fetch_abandon_after`); a superseded ticket's late answer changes nothing;
//! - no fetch starts inside a failure cooldown;
//! - an unknown-kid refetch of a fresh set never comes sooner than
//!   `unknown_kid_min_interval` after the previous one (never, with `u64::MAX`), and a fresh
//!   set with the kid never refetches;
//! - no key is served past ttl + stale_if_error, nor from a cold cache; `stale` is reported
//!   exactly past the ttl;
//! - a failed or invalid fetch never changes a servable cache's keys or freshness;
//! - every verify makes at most one fetch (DESIGN: "every miss makes at most one fetch");
//! - `complete` succeeds exactly when the model says the outcome installs a set;
//! - a cold cache that may fetch does fetch; a fresh set with the kid serves it;
//! - every served key comes with its own table, and every held key has its own table.
//!
//! The lookups go through the private sans-IO hooks (`__step`, `__poll_refresh`,
//! `_test-hooks`); the verifies through the public `verify_blocking`s, whose fetch closures
//! deliver documents (`TooLarge` when they overrun the buffer), 304s and failures.
#![no_main]

use std::sync::OnceLock;

use arbitrary::Arbitrary;
use jwtgate::__testing::{Step, parse};
use jwtgate::{
    Algorithm, CachePolicy, Error, FetchOutcome, FetchTicket, JsonStr, KeyTable, NoTable, Policy,
    SharedCache, SmallTable, UntrustedToken,
};
use jwtgate_fuzz::fixtures::{self, KeyId, NOW};
use jwtgate_fuzz::model;
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug, Clone, Copy)]
enum PolicyChoice {
    Default,
    Reference,
    Custom {
        ttl: u16,
        honor_max_age: bool,
        min_ttl: u16,
        max_ttl: u16,
        stale_if_error: u16,
        failure_cooldown: u8,
        unknown_kid_min_interval: Option<u8>,
        refresh_ahead: u16,
        fetch_abandon_after: u8,
    },
}

#[derive(Arbitrary, Debug, Clone, Copy, PartialEq)]
enum Kid {
    /// "k1": in both documents.
    Known,
    /// "k2": only in the rotated document.
    Rotated,
    /// "zz": in no document.
    Unknown,
    None,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Doc {
    /// k1 only.
    One,
    /// k1 and k2 (after a rotation).
    Rotated,
    /// Only unusable keys (a well-formed set: it installs, holding no key).
    Unusable,
    /// `{"keys":[]}` (a revocation: it installs, holding no key).
    Empty,
}

#[derive(Arbitrary, Debug, Clone)]
enum Outcome {
    Ok(Doc, Option<u32>),
    Fail,
    Garbage(Vec<u8>),
    NotModified(Option<u32>),
    /// Keep the ticket outstanding (a slow fetch).
    Hold,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Edge {
    Ttl,
    Stale,
    Cooldown,
    Abandon,
    Unknown,
    RefreshAhead,
}

#[derive(Arbitrary, Debug, Clone)]
enum Op {
    Advance(u16),
    Jump(u32),
    ToEdge(Edge, i8),
    Lookup(Kid, Outcome),
    Finish(Outcome),
    Background(Outcome),
    /// Verify a token through `verify_blocking` (the shared cache's own when `true`).
    Verify(Kid, Outcome, bool),
    LateAnswers,
}

#[derive(Arbitrary, Debug)]
struct Input {
    policy: PolicyChoice,
    /// Key slots with a `SmallTable` (built on load, reused across rotations).
    tables: bool,
    ops: Vec<Op>,
}

fn doc_text(d: Doc) -> String {
    static DOCS: OnceLock<[String; 4]> = OnceLock::new();
    let docs =
        DOCS.get_or_init(|| [Doc::One, Doc::Rotated, Doc::Unusable, Doc::Empty].map(make_doc));
    docs[d as usize].clone()
}

fn make_doc(d: Doc) -> String {
    match d {
        Doc::One => fixtures::jwks(&[fixtures::jwk(KeyId::A, r#""kid":"k1""#)]),
        Doc::Rotated => fixtures::jwks(&[
            fixtures::jwk(KeyId::A, r#""kid":"k1""#),
            fixtures::jwk(KeyId::B, r#""kid":"k2""#),
        ]),
        Doc::Unusable => fixtures::jwks(&[fixtures::jwk(KeyId::A, r#""kid":"k1","use":"enc""#)]),
        Doc::Empty => r#"{"keys":[]}"#.to_owned(),
    }
}

fn kid_text(k: Kid) -> Option<&'static str> {
    match k {
        Kid::Known => Some("k1"),
        Kid::Rotated => Some("k2"),
        Kid::Unknown => Some("zz"),
        Kid::None => None,
    }
}

/// What the target knows about the cache, kept from the policy alone.
struct Model {
    policy: CachePolicy,
    fresh_until: Option<u64>,
    kids: Vec<Option<String>>,
    cooldown_until: u64,
    last_unknown: Option<u64>,
    held: Option<(FetchTicket, u64)>,
    superseded: Vec<FetchTicket>,
}

impl Model {
    fn fresh(&self, now: u64) -> bool {
        self.fresh_until.is_some_and(|f| now < f)
    }
    fn servable(&self, now: u64) -> bool {
        self.fresh_until
            .is_some_and(|f| now < f.saturating_add(self.policy.stale_if_error))
    }
    fn has_kid(&self, kid: Kid) -> bool {
        let fitting = self
            .kids
            .iter()
            .filter(|k| kid_text(kid).is_none_or(|want| k.as_deref() == Some(want)))
            .count();
        fitting == 1
    }
    fn effective_ttl(&self, max_age: Option<u64>) -> u64 {
        match max_age {
            Some(a) if self.policy.honor_max_age => a
                .max(self.policy.min_ttl)
                .min(self.policy.max_ttl.max(self.policy.min_ttl)),
            _ => self.policy.ttl,
        }
    }

    /// A fetch is starting at `now` for a lookup of `kid` (`None`: background refresh).
    fn fetch_starts(&mut self, now: u64, lookup: Option<Kid>) {
        if let Some((_, started)) = &self.held {
            assert!(
                now >= started.saturating_add(self.policy.fetch_abandon_after),
                "single flight: a second fetch at {now} while one from {started} is outstanding"
            );
            let (old, _) = self.held.take().expect("held");
            self.superseded.push(old);
        }
        assert!(
            now >= self.cooldown_until,
            "fetch at {now} inside the failure cooldown (until {})",
            self.cooldown_until
        );
        if let Some(kid) = lookup
            && self.fresh(now)
        {
            assert!(
                !self.has_kid(kid),
                "a fresh set with kid {kid:?} refetched at {now}"
            );
            assert_ne!(
                self.policy.unknown_kid_min_interval,
                u64::MAX,
                "unknown-kid refetch disabled"
            );
            if let Some(last) = self.last_unknown {
                assert!(
                    now >= last.saturating_add(self.policy.unknown_kid_min_interval),
                    "unknown-kid refetch at {now}, previous at {last}"
                );
            }
            self.last_unknown = Some(now);
        }
    }

    /// What completing a fetch with `outcome` must do; returns whether it succeeds.
    fn completes(&mut self, now: u64, outcome: &Outcome) -> bool {
        let installed = match outcome {
            Outcome::Ok(d, age) => model::jwks_load(doc_text(*d).as_bytes(), 4)
                .map(|(keys, _, _)| (Some(keys), age.map(u64::from))),
            Outcome::Garbage(b) => model::jwks_load(b, 4).map(|(keys, _, _)| (Some(keys), None)),
            Outcome::NotModified(age) if self.fresh_until.is_some() => {
                Some((None, age.map(u64::from)))
            }
            Outcome::NotModified(_) | Outcome::Fail | Outcome::Hold => None,
        };
        match installed {
            Some((keys, age)) => {
                if let Some(keys) = keys {
                    self.kids = keys.into_iter().map(|k| k.kid).collect();
                }
                self.fresh_until = Some(now.saturating_add(self.effective_ttl(age)));
                self.cooldown_until = 0;
                true
            }
            None => {
                self.cooldown_until = now.saturating_add(self.policy.failure_cooldown);
                false
            }
        }
    }
}

enum Owned {
    Ready {
        kid: Option<String>,
        stale: bool,
        /// Whether the table served with the key is the key's own.
        own_table: bool,
    },
    Fetch(FetchTicket),
    Wait,
    Fail,
}

struct World<T: KeyTable> {
    cache: SharedCache<4, T>,
    model: Model,
    now: u64,
    tokens: Vec<(Kid, String)>,
}

/// The outcome reported for `o`, whose body (if any) is `body_len` bytes.
fn outcome_of(o: &Outcome, body_len: usize) -> FetchOutcome {
    match o {
        Outcome::Ok(_, age) => FetchOutcome::Document {
            len: body_len,
            max_age: age.map(u64::from),
        },
        Outcome::Garbage(_) => FetchOutcome::Document {
            len: body_len,
            max_age: None,
        },
        Outcome::NotModified(age) => FetchOutcome::NotModified {
            max_age: age.map(u64::from),
        },
        Outcome::Fail | Outcome::Hold => FetchOutcome::Failed,
    }
}

/// A `kid` as a JSON string's source text, quoted (see [`as_kid`]).
fn quoted(kid: Option<&str>) -> Option<String> {
    kid.map(|k| serde_json::to_string(k).expect("a string"))
}

/// The `kid` a lookup takes, parsed from its quoted text.
fn as_kid(quoted: &Option<String>) -> Option<JsonStr<'_>> {
    let value = quoted
        .as_ref()
        .map(|q| parse(q.as_bytes(), 0).expect("kid"));
    value.and_then(|v| v.as_str())
}

fn body_of(o: &Outcome) -> Vec<u8> {
    match o {
        Outcome::Ok(d, _) => doc_text(*d).into_bytes(),
        Outcome::Garbage(b) => b.clone(),
        _ => Vec::new(),
    }
}

impl<T: KeyTable + Clone> World<T> {
    /// Completes `ticket` with `outcome` (or holds it), checking the invariants around it.
    fn finish(&mut self, ticket: FetchTicket, outcome: &Outcome) {
        let now = self.now;
        if matches!(outcome, Outcome::Hold) {
            self.model.held = Some((ticket, now));
            return;
        }
        let servable = self.model.servable(now);
        let (keys_before, fresh_before) = self
            .cache
            .with(|c| (c.keys().keys().to_vec(), c.fresh_until()));
        let body = body_of(outcome);
        let result = self
            .cache
            .with(|c| c.complete(ticket, now, &body, outcome_of(outcome, body.len())));
        let expect_ok = self.model.completes(now, outcome);
        self.check_tables();
        assert_eq!(
            result.is_ok(),
            expect_ok,
            "complete({outcome:?}) at {now}: {result:?}"
        );
        if !expect_ok && servable {
            let (keys_after, fresh_after) = self
                .cache
                .with(|c| (c.keys().keys().to_vec(), c.fresh_until()));
            assert_eq!(
                keys_after, keys_before,
                "a bad fetch changed a servable cache's keys"
            );
            assert_eq!(fresh_after, fresh_before, "a bad fetch changed freshness");
        }
    }

    fn check_ready(&self, kid: Kid, served_kid: &Option<String>, stale: bool, own_table: bool) {
        let now = self.now;
        assert!(
            own_table,
            "kid {served_kid:?} served with another key's table"
        );
        let fresh_until = self.model.fresh_until.expect("served from a cold cache");
        assert!(
            now < fresh_until.saturating_add(self.model.policy.stale_if_error),
            "served at {now}, past ttl + stale_if_error ({fresh_until} + {})",
            self.model.policy.stale_if_error
        );
        assert_eq!(
            stale,
            now >= fresh_until,
            "stale flag at {now}, fresh until {fresh_until}"
        );
        if let Some(want) = kid_text(kid) {
            assert_eq!(served_kid.as_deref(), Some(want));
        }
        assert!(self.model.has_kid(kid));
    }

    fn lookup(&mut self, kid: Kid, outcome: &Outcome) {
        let now = self.now;
        let quoted_kid = quoted(kid_text(kid));
        let kid_str = as_kid(&quoted_kid);
        let cold_may_fetch = self.model.fresh_until.is_none()
            && now >= self.model.cooldown_until
            && self.model.held.as_ref().is_none_or(|(_, s)| {
                now >= s.saturating_add(self.model.policy.fetch_abandon_after)
            });
        let fresh_with_kid = self.model.fresh(now) && self.model.has_kid(kid);
        let step = self
            .cache
            .with(|c| match c.__step(now, kid_str, Algorithm::Es256) {
                Step::Ready {
                    key, table, stale, ..
                } => Owned::Ready {
                    kid: key.kid().map(str::to_owned),
                    stale,
                    own_table: key.es256_key().is_none_or(|k| table.is_for(k)),
                },
                Step::Fetch(t) => Owned::Fetch(t),
                Step::Wait => Owned::Wait,
                Step::Fail(_) => Owned::Fail,
            });
        if cold_may_fetch {
            assert!(
                matches!(step, Owned::Fetch(_)),
                "a cold cache that may fetch did not"
            );
        }
        if fresh_with_kid {
            assert!(
                matches!(step, Owned::Ready { stale: false, .. }),
                "fresh set did not serve {kid:?}"
            );
        }
        match step {
            Owned::Ready {
                kid: served,
                stale,
                own_table,
            } => self.check_ready(kid, &served, stale, own_table),
            Owned::Fetch(ticket) => {
                self.model.fetch_starts(now, Some(kid));
                self.finish(ticket, outcome);
            }
            Owned::Wait => assert!(self.model.held.is_some(), "wait with no fetch outstanding"),
            Owned::Fail => {}
        }
    }

    fn verify(&mut self, kid: Kid, outcome: &Outcome, shared_path: bool) {
        let now = self.now;
        let token = self
            .tokens
            .iter()
            .find(|(k, _)| *k == kid)
            .map(|(_, t)| t.clone())
            .expect("minted");
        let mut buf = [0u8; 1024];
        let parsed = UntrustedToken::parse(token.as_bytes(), &mut buf).expect("token parses");
        let policy = Policy::new();
        let mut jwks_buf = vec![0u8; 4096];
        let servable_before = self.model.servable(now);
        let (keys_before, fresh_before) = self
            .cache
            .with(|c| (c.keys().keys().to_vec(), c.fresh_until()));
        let mut fetches = 0;
        let body = body_of(outcome);
        let model = &mut self.model;
        let mut last_ok = None;
        let fetch = |dst: &mut [u8]| {
            fetches += 1;
            assert!(fetches <= 1, "one verify made {fetches} fetches");
            model.fetch_starts(now, Some(kid));
            // A body that overruns the buffer arrives as `TooLarge`: a failed fetch, as far as
            // the model is concerned. A blocking caller cannot hold a fetch: it fails.
            let delivered = match outcome {
                Outcome::Ok(..) | Outcome::Garbage(_) if body.len() > dst.len() => Outcome::Fail,
                Outcome::Hold => Outcome::Fail,
                other => other.clone(),
            };
            let ok = model.completes(now, &delivered);
            last_ok = Some(ok);
            match dst.get_mut(..body.len()) {
                Some(to) => to.copy_from_slice(&body),
                None => return FetchOutcome::TooLarge,
            }
            match outcome {
                Outcome::Hold => FetchOutcome::Failed,
                other => outcome_of(other, body.len()),
            }
        };
        let mut table = T::EMPTY;
        let result = if shared_path && T::BYTES > 0 {
            let cell = self.cache.copying_into(&mut table);
            jwtgate::driver::verify_blocking(cell, parsed, &policy, now, &mut jwks_buf, fetch)
        } else if shared_path {
            jwtgate::driver::verify_blocking(
                &self.cache,
                parsed,
                &policy,
                now,
                &mut jwks_buf,
                fetch,
            )
        } else {
            self.cache.with(|c| {
                jwtgate::driver::verify_blocking(c, parsed, &policy, now, &mut jwks_buf, fetch)
            })
        };
        self.check_tables();
        if let Ok(v) = &result {
            let served = v.kid().map(|k| k.chars().collect::<String>());
            assert!(
                self.model.servable(now),
                "verified from a cache with nothing servable"
            );
            assert_eq!(served.as_deref(), kid_text(kid));
            assert!(self.model.has_kid(kid));
        }
        if last_ok == Some(false) && servable_before {
            let (keys_after, fresh_after) = self
                .cache
                .with(|c| (c.keys().keys().to_vec(), c.fresh_until()));
            assert_eq!(
                keys_after, keys_before,
                "a bad fetch changed a servable cache's keys"
            );
            assert_eq!(fresh_after, fresh_before);
        }
    }

    /// Every held key has its own table (built on load, or reused after a rotation), and so
    /// does the key a kid-less token selects, if one does.
    fn check_tables(&self) {
        self.cache.with(|c| {
            let kids = c.keys().keys().iter().map(|k| k.kid());
            for kid in kids.chain([None]) {
                let quoted_kid = quoted(kid);
                if let Ok(r) = c.keys().select(as_kid(&quoted_kid), Algorithm::Es256) {
                    assert!(kid.is_none_or(|k| r.kid() == Some(k)));
                    assert!(
                        r.__has_own_table(),
                        "kid {:?}: table of another key",
                        r.kid()
                    );
                }
            }
        });
    }

    fn background(&mut self, outcome: &Outcome) {
        let now = self.now;
        let ticket = self.cache.with(|c| c.__poll_refresh(now));
        if let Some(ticket) = ticket {
            if let Some(f) = self.model.fresh_until {
                assert!(
                    now >= f.saturating_sub(self.model.policy.refresh_ahead),
                    "background refresh at {now}, before {f} - refresh_ahead"
                );
            }
            self.model.fetch_starts(now, None);
            self.finish(ticket, outcome);
        }
    }

    fn late_answers(&mut self) {
        let now = self.now;
        for ticket in std::mem::take(&mut self.model.superseded) {
            let before = self
                .cache
                .with(|c| (c.counters(), c.keys().keys().to_vec(), c.fresh_until()));
            let body = doc_text(Doc::Rotated);
            let late = FetchOutcome::Document {
                len: body.len(),
                max_age: None,
            };
            let r = self
                .cache
                .with(|c| c.complete(ticket, now, body.as_bytes(), late));
            assert_eq!(
                r,
                Err(Error::JwksFetchFailed),
                "a superseded ticket was accepted"
            );
            let after = self
                .cache
                .with(|c| (c.counters(), c.keys().keys().to_vec(), c.fresh_until()));
            assert_eq!(after, before, "a superseded ticket changed the cache");
        }
    }
}

fuzz_target!(|input: Input| {
    if input.tables {
        run::<SmallTable>(&input);
    } else {
        run::<NoTable>(&input);
    }
});

fn run<T: KeyTable + Clone>(input: &Input) {
    let policy = match input.policy {
        PolicyChoice::Default => CachePolicy::DEFAULT,
        PolicyChoice::Reference => CachePolicy::REFERENCE,
        PolicyChoice::Custom {
            ttl,
            honor_max_age,
            min_ttl,
            max_ttl,
            stale_if_error,
            failure_cooldown,
            unknown_kid_min_interval,
            refresh_ahead,
            fetch_abandon_after,
        } => CachePolicy {
            ttl: u64::from(ttl),
            honor_max_age,
            min_ttl: u64::from(min_ttl),
            max_ttl: u64::from(max_ttl),
            stale_if_error: u64::from(stale_if_error),
            failure_cooldown: u64::from(failure_cooldown),
            unknown_kid_min_interval: unknown_kid_min_interval.map_or(u64::MAX, u64::from),
            refresh_ahead: u64::from(refresh_ahead),
            fetch_abandon_after: u64::from(fetch_abandon_after),
        },
    };
    static TOKENS: OnceLock<Vec<(Kid, String)>> = OnceLock::new();
    let tokens = TOKENS
        .get_or_init(|| {
            let far = format!(r#"{{"exp":{}}}"#, NOW + 100_000_000);
            let mint = |id, header| fixtures::es256_token(id, header, &far);
            vec![
                (Kid::Known, mint(KeyId::A, r#"{"alg":"ES256","kid":"k1"}"#)),
                (
                    Kid::Rotated,
                    mint(KeyId::B, r#"{"alg":"ES256","kid":"k2"}"#),
                ),
                (
                    Kid::Unknown,
                    mint(KeyId::A, r#"{"alg":"ES256","kid":"zz"}"#),
                ),
                (Kid::None, mint(KeyId::A, r#"{"alg":"ES256"}"#)),
            ]
        })
        .clone();
    let mut w = World::<T> {
        cache: SharedCache::new(policy),
        model: Model {
            policy,
            fresh_until: None,
            kids: Vec::new(),
            cooldown_until: 0,
            last_unknown: None,
            held: None,
            superseded: Vec::new(),
        },
        now: NOW,
        tokens,
    };
    for op in input.ops.iter().take(64) {
        match op {
            Op::Advance(dt) => w.now += u64::from(*dt % 600),
            Op::Jump(dt) => w.now += u64::from(*dt % 200_000),
            Op::ToEdge(edge, delta) => {
                let p = w.model.policy;
                let at = match edge {
                    Edge::Ttl => w.model.fresh_until,
                    Edge::Stale => w
                        .model
                        .fresh_until
                        .map(|f| f.saturating_add(p.stale_if_error)),
                    Edge::Cooldown => Some(w.model.cooldown_until),
                    Edge::Abandon => w
                        .model
                        .held
                        .as_ref()
                        .map(|(_, s)| s.saturating_add(p.fetch_abandon_after)),
                    Edge::Unknown => w
                        .model
                        .last_unknown
                        .map(|l| l.saturating_add(p.unknown_kid_min_interval)),
                    Edge::RefreshAhead => w
                        .model
                        .fresh_until
                        .map(|f| f.saturating_sub(p.refresh_ahead)),
                };
                if let Some(at) = at.and_then(|a| a.checked_add_signed(i64::from(*delta % 3)))
                    && at < u64::MAX / 2
                {
                    w.now = w.now.max(at);
                }
            }
            Op::Lookup(kid, outcome) => w.lookup(*kid, outcome),
            Op::Finish(outcome) => {
                if !matches!(outcome, Outcome::Hold)
                    && let Some((ticket, _)) = w.model.held.take()
                {
                    w.finish(ticket, outcome);
                }
            }
            Op::Background(outcome) => w.background(outcome),
            Op::Verify(kid, outcome, shared) => w.verify(*kid, outcome, *shared),
            Op::LateAnswers => w.late_answers(),
        }
    }
}
