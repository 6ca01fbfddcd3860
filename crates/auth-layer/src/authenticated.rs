//! Step 5: what a verified request carries — the [`Authenticated`] request extension.

use std::sync::Arc;

use claims_core::{AnyClaims, Identity, ProviderClaims, ProviderId};

/// A verified token: its typed claims and its provider-neutral identity.
///
/// The layer inserts it as a request extension (cheap to clone: one `Arc`). Extensions are not
/// headers: a client cannot send one. In tonic handlers read it with
/// `request.extensions().get::<Authenticated>()`; in axum use the extractors
/// ([`crate::Claims`], [`crate::Identity`], or `Extension<Authenticated>`).
#[derive(Clone, Debug)]
pub struct Authenticated(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    claims: AnyClaims,
    identity: Identity,
}

impl Authenticated {
    /// Wrap verified claims and their identity.
    pub fn new(claims: AnyClaims, identity: Identity) -> Self {
        Authenticated(Arc::new(Inner { claims, identity }))
    }

    /// The provider that issued the token.
    pub fn provider(&self) -> &ProviderId {
        &self.0.identity.provider
    }

    /// The typed claims of whichever provider issued the token.
    pub fn claims(&self) -> &AnyClaims {
        &self.0.claims
    }

    /// The claims as one provider's type, when that provider issued the token.
    pub fn claims_as<C: ProviderClaims>(&self) -> Option<Arc<C>> {
        self.0.claims.get_arc::<C>()
    }

    /// The provider-neutral identity.
    pub fn identity(&self) -> &Identity {
        &self.0.identity
    }

    /// `exp`, in seconds since the epoch.
    pub fn expires_at(&self) -> i64 {
        self.0.identity.expires_at
    }

    /// The granted scopes: the words of `scope` and the strings of `scp`, whatever the provider.
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.0.claims.granted_scopes().iter().map(String::as_str)
    }

    /// True when the token grants `scope` (in `scope` or `scp`).
    pub fn has_scope(&self, scope: &str) -> bool {
        self.0.claims.has_granted_scope(scope)
    }

    /// Who the token speaks for, as JSON: `{"provider", "user_id", "email", "wallets": [{"chain",
    /// "address", "public_key"}], "claims": {…the provider's claims…}}` (the example server's
    /// `GET /me` answer).
    pub fn to_json(&self) -> serde_json::Value {
        let id = self.identity();
        serde_json::json!({
            "provider": id.provider,
            "user_id": id.user_id,
            "email": id.email,
            "wallets": id.wallets,
            "claims": self.claims().to_json(),
        })
    }

    /// True when two values share the same verification (the same `Arc`).
    pub fn ptr_eq(&self, other: &Authenticated) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// Inserted by the layer on every request it lets through, so extractors can tell "the layer is
/// not installed" (a server bug: 500) from "optional mode, no token" (`None`).
#[derive(Clone, Copy, Debug)]
pub struct AuthLayerPresent;
