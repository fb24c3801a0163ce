//! The dashboard at `GET /`: served from the binary, with a policy that
//! lets nothing load from or talk to another origin, and script that never
//! turns ledger values into markup. (Rendering in a real browser is the
//! next step; see docs/serve.md.)

use super::{Server, ledger};

#[test]
fn the_dashboard_is_served_self_contained_under_a_same_origin_policy() {
    let (db, _) = ledger();
    let srv = Server::start(db);
    let mut texts = Vec::new();
    for (path, kind) in [
        ("/", "text/html"),
        ("/dashboard.js", "text/javascript"),
        ("/dashboard.css", "text/css"),
    ] {
        let (st, headers, text) = srv.call_raw("GET", path, None, None);
        assert_eq!(st, 200, "{path}");
        let h = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        assert!(
            h("content-type").starts_with(kind),
            "{path}: {}",
            h("content-type")
        );
        let csp = h("content-security-policy");
        assert!(
            csp.contains("default-src 'none'")
                && csp.contains("connect-src 'self'")
                && csp.contains("script-src 'self'"),
            "{csp}"
        );
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        texts.push(text);
    }
    let [html, js, css] = [&texts[0], &texts[1], &texts[2]];
    // No address of another origin anywhere (the SVG namespace is a name,
    // not a request).
    for (name, t) in [("html", html), ("js", js), ("css", css)] {
        let outside = t.replace("http://www.w3.org/2000/svg", "");
        assert!(
            !outside.contains("http://")
                && !outside.contains("https://")
                && !outside.contains("//cdn"),
            "{name} names another origin"
        );
    }
    // No inline script or style (the policy would block them), labels for
    // the token field, and a viewport for phones.
    assert!(
        !html.contains("<script>") && !html.contains("style="),
        "inline script or style"
    );
    assert!(html.contains(r#"<label for="token">"#) && html.contains(r#"name="viewport""#));
    // Ledger values reach the page only as text.
    assert!(
        !js.contains("innerHTML")
            && !js.contains("outerHTML")
            && !js.contains("insertAdjacentHTML")
            && !js.contains("document.write")
    );
    assert!(
        js.contains("sessionStorage") && !js.contains("localStorage"),
        "the token is kept only for the tab's session"
    );
}
