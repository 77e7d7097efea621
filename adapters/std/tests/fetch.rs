//! The JWKS fetcher against the development issuer over real HTTP on 127.0.0.1.

// Helpers outside `#[test]` functions are test code too.
#![allow(clippy::unwrap_used, clippy::panic)]

use core::time::Duration;
use std::time::Instant;

use jwtgate_std::dev_issuer::{DevIssuer, Mode, REDIRECT_TARGET};
use jwtgate_std::fetch::{
    self, DEFAULT_MAX_BODY, FetchConfig, FetchError, Fetched, JwksFetcher, LoadError, Origin,
};

fn fetcher(timeout: Duration) -> JwksFetcher {
    JwksFetcher::new(FetchConfig {
        timeout,
        ..FetchConfig::default()
    })
    .unwrap()
}

#[tokio::test]
async fn ok_with_max_age_and_etag() {
    let issuer = DevIssuer::start().unwrap();
    issuer.set_max_age(120);
    let outcome = fetcher(Duration::from_secs(5))
        .fetch(&issuer.jwks_url(), None)
        .await
        .unwrap();
    let Fetched::Document {
        body,
        max_age,
        etag,
        cache_control,
    } = outcome
    else {
        panic!("expected a document, got {outcome:?}");
    };
    assert_eq!(body, issuer.jwks_json().as_bytes());
    assert_eq!(max_age, Some(120));
    assert_eq!(etag, Some(issuer.etag()));
    assert_eq!(cache_control.as_deref(), Some("public, max-age=120"));
    let mut keys = jwtgate::KeySet::<32>::new();
    assert_eq!(keys.load(&body).unwrap().loaded, 1);
    assert_eq!(issuer.jwks_requests(), 1);
}

#[tokio::test]
async fn etag_revalidation_answers_not_modified_until_the_set_changes() {
    let issuer = DevIssuer::start().unwrap();
    let fetcher = fetcher(Duration::from_secs(5));
    let url = issuer.jwks_url();
    let etag = issuer.etag();

    let again = fetcher.fetch(&url, Some(&etag)).await.unwrap();
    assert_eq!(again, Fetched::NotModified { max_age: Some(600) });
    // Weak validators compare equal too.
    let weak = format!("W/{etag}");
    assert!(matches!(
        fetcher.fetch(&url, Some(&weak)).await.unwrap(),
        Fetched::NotModified { .. }
    ));

    issuer.rotate(true);
    let Fetched::Document {
        body,
        etag: new_etag,
        ..
    } = fetcher.fetch(&url, Some(&etag)).await.unwrap()
    else {
        panic!("a rotated set must be sent in full");
    };
    assert_ne!(new_etag.as_deref(), Some(etag.as_str()));
    let mut keys = jwtgate::KeySet::<32>::new();
    assert_eq!(keys.load(&body).unwrap().loaded, 2);
    assert_eq!(issuer.jwks_requests(), 3);
}

#[tokio::test]
async fn outage_is_a_status_error() {
    let issuer = DevIssuer::start().unwrap();
    issuer.set_mode(Mode::Down);
    let err = fetcher(Duration::from_secs(5))
        .fetch(&issuer.jwks_url(), None)
        .await
        .unwrap_err();
    assert_eq!(err, FetchError::Status(503));
    assert_eq!(err.catalog_error(), jwtgate::Error::JwksFetchFailed);
    assert!(err.to_string().contains("503"), "{err}");
}

#[tokio::test]
async fn a_redirect_is_never_followed_and_names_its_location() {
    // The issuer answers 302 to another origin; nothing listens there, and nothing may be
    // asked: a followed redirect would fail with a connect error instead.
    let issuer = DevIssuer::start().unwrap();
    issuer.set_mode(Mode::Redirect);
    let err = fetcher(Duration::from_secs(5))
        .fetch(&issuer.jwks_url(), None)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        FetchError::Redirect {
            status: 302,
            location: Some(REDIRECT_TARGET.to_owned())
        }
    );
    assert_eq!(err.catalog_error(), jwtgate::Error::JwksFetchFailed);
    assert!(err.to_string().contains(REDIRECT_TARGET), "{err}");
    assert_eq!(issuer.jwks_requests(), 1);
}

#[tokio::test]
async fn a_hanging_server_is_cut_off_by_the_deadline() {
    let issuer = DevIssuer::start().unwrap();
    issuer.set_mode(Mode::Hang);
    let deadline = Duration::from_millis(300);
    let start = Instant::now();
    let err = fetcher(deadline)
        .fetch(&issuer.jwks_url(), None)
        .await
        .unwrap_err();
    let elapsed = start.elapsed();
    assert_eq!(err, FetchError::Timeout(deadline));
    assert!(elapsed >= deadline, "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
    assert_eq!(issuer.jwks_requests(), 1);
}

#[tokio::test]
async fn a_huge_body_is_cut_off_at_the_cap() {
    let issuer = DevIssuer::start().unwrap();
    issuer.set_mode(Mode::Huge);
    let start = Instant::now();
    let err = fetcher(Duration::from_secs(10))
        .fetch(&issuer.jwks_url(), None)
        .await
        .unwrap_err();
    let elapsed = start.elapsed();
    assert_eq!(
        err,
        FetchError::TooLarge {
            limit: DEFAULT_MAX_BODY
        }
    );
    assert_eq!(err.catalog_error(), jwtgate::Error::JwksInvalid);
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
}

#[tokio::test]
async fn a_small_cap_applies_to_a_real_key_set() {
    let issuer = DevIssuer::start().unwrap();
    let small = JwksFetcher::new(FetchConfig {
        max_body: 64,
        ..FetchConfig::default()
    })
    .unwrap();
    // The key set carries a Content-Length: refused before the body is read.
    assert_eq!(
        small.fetch(&issuer.jwks_url(), None).await.unwrap_err(),
        FetchError::TooLarge { limit: 64 }
    );
}

#[tokio::test]
async fn garbage_is_returned_as_bytes_for_the_caller_to_reject() {
    let issuer = DevIssuer::start().unwrap();
    issuer.set_mode(Mode::Garbage);
    let Fetched::Document {
        body,
        max_age,
        etag,
        ..
    } = fetcher(Duration::from_secs(5))
        .fetch(&issuer.jwks_url(), None)
        .await
        .unwrap()
    else {
        panic!("garbage still comes with a 200");
    };
    assert!(body.starts_with(b"<html>"));
    assert_eq!((max_age, etag), (None, None));
    let mut keys = jwtgate::KeySet::<32>::new();
    assert_eq!(keys.load(&body).unwrap_err(), jwtgate::Error::JwksInvalid);
}

#[tokio::test]
async fn modes_can_be_switched_back() {
    let issuer = DevIssuer::start().unwrap();
    let fetcher = fetcher(Duration::from_secs(5));
    issuer.set_mode(Mode::Down);
    assert!(fetcher.fetch(&issuer.jwks_url(), None).await.is_err());
    issuer.set_mode(Mode::Up);
    assert!(fetcher.fetch(&issuer.jwks_url(), None).await.is_ok());
    assert_eq!(issuer.jwks_requests(), 2);
}

#[tokio::test]
async fn a_refused_connection_is_a_connect_error() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}/auth/v1/.well-known/jwks.json");
    let start = Instant::now();
    let err = fetcher(Duration::from_secs(5))
        .fetch(&url, None)
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::Connect(_)), "{err:?}");
    assert!(start.elapsed() < Duration::from_secs(2));
    assert_eq!(err.catalog_error(), jwtgate::Error::JwksFetchFailed);
}

#[tokio::test]
async fn the_outage_switch_is_on_the_issuer_itself() {
    let issuer = DevIssuer::start().unwrap();
    let client = reqwest::Client::new();
    let switch = |mode: &str| {
        client
            .post(format!("{}/dev/outage?mode={mode}", issuer.base_url()))
            .send()
    };
    let answer = switch("down").await.unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(issuer.mode(), Mode::Down);
    assert_eq!(switch("sideways").await.unwrap().status(), 400);
    assert_eq!(issuer.mode(), Mode::Down);
    switch("up").await.unwrap();
    assert_eq!(issuer.mode(), Mode::Up);
    let state = client
        .get(format!("{}/dev/outage", issuer.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(state.text().await.unwrap(), "mode=up\n");

    let old = issuer.current_kid();
    let rotated = client
        .post(format!("{}/dev/rotate?keep=false", issuer.base_url()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(rotated, format!("kid={}\n", issuer.current_kid()));
    assert_ne!(issuer.current_kid(), old);
    assert_eq!(issuer.kids().len(), 1);
}

#[test]
fn blocking_helper_reads_urls_and_files() {
    let issuer = DevIssuer::start().unwrap();
    let doc = fetch::fetch_file_or_url(&issuer.jwks_url()).unwrap();
    assert_eq!(doc.body, issuer.jwks_json().as_bytes());
    assert_eq!(
        doc.origin,
        Origin::Http {
            status: 200,
            cache_control: Some("public, max-age=600".to_owned()),
            max_age: Some(600),
            etag: Some(issuer.etag()),
        }
    );

    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("fetch-helper-jwks.json");
    std::fs::write(&path, issuer.jwks_json()).unwrap();
    let doc = fetch::fetch_file_or_url(path.to_str().unwrap()).unwrap();
    assert_eq!(doc.body, issuer.jwks_json().as_bytes());
    assert_eq!(doc.origin, Origin::File(path.clone()));

    let small = FetchConfig {
        max_body: 16,
        ..FetchConfig::default()
    };
    let err = fetch::fetch_file_or_url_with(path.to_str().unwrap(), &small).unwrap_err();
    assert!(matches!(err, LoadError::FileTooLarge { limit: 16, .. }));
    assert_eq!(err.catalog_error(), Some(jwtgate::Error::JwksInvalid));

    issuer.set_mode(Mode::Down);
    let err = fetch::fetch_file_or_url(&issuer.jwks_url()).unwrap_err();
    assert!(matches!(err, LoadError::Fetch(FetchError::Status(503))));
    assert_eq!(err.catalog_error(), Some(jwtgate::Error::JwksFetchFailed));
}
