//! Step 5: what a verified request carries — the [`Authenticated`] request extension.

use std::any::Any;
use std::borrow::Cow;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

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
    /// The identity, when the claims do not derive it themselves (a policy's configured
    /// identity claims); otherwise it is derived on demand, so its strings are not kept twice.
    kept_identity: Option<Box<Identity>>,
    /// What one [`DerivedKey`] derived from this verification (see [`Authenticated::derived`]).
    derived: OnceLock<Box<Derived>>,
}

/// A value derived from a verification, and whose it is.
struct Derived {
    key: u64,
    value: Box<dyn Any + Send + Sync>,
}

impl std::fmt::Debug for Derived {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Derived").field("key", &self.key).finish()
    }
}

/// Whose value [`Authenticated::derived`] keeps: one per consumer (for example one per
/// forward-auth service, since its header names are its own). Each `DerivedKey::new()` is
/// distinct from every other.
#[derive(Debug)]
pub struct DerivedKey(u64);

impl DerivedKey {
    /// A key no other `DerivedKey` shares.
    pub fn new() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        DerivedKey(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

impl Default for DerivedKey {
    fn default() -> Self {
        DerivedKey::new()
    }
}

impl Authenticated {
    /// Wrap verified claims and their identity. The identity is kept only when the claims do
    /// not derive the same one ([`AnyClaims::identity`]): otherwise [`Authenticated::identity`]
    /// derives it again when asked.
    pub fn new(claims: AnyClaims, identity: Identity) -> Self {
        let kept_identity = match claims.identity() {
            Ok(derived) if derived == identity => None,
            _ => Some(Box::new(identity)),
        };
        Authenticated(Arc::new(Inner {
            claims,
            kept_identity,
            derived: OnceLock::new(),
        }))
    }

    /// A value derived from this verification, computed once by `derive` and kept with it: every
    /// later request that the verified-token cache answers with the same verification gets the
    /// kept value (borrowed) instead of deriving it again. One value is kept per verification,
    /// for the first `key` that asks; any other key gets a freshly derived value (owned) each time.
    ///
    /// ```
    /// use auth_layer::{Authenticated, DerivedKey};
    /// use claims_core::{AnyClaims, Identity, ProviderId, SophonClaims};
    /// let claims: SophonClaims = serde_json::from_str(r#"{"sub":"0xabc","exp":2}"#).unwrap();
    /// let identity = Identity::new(ProviderId::SOPHON, "0xabc", 2);
    /// let auth = Authenticated::new(AnyClaims::new(ProviderId::SOPHON, claims), identity);
    /// let key = DerivedKey::new();
    /// let header = |a: &Authenticated| format!("user={}", a.identity().user_id);
    /// assert_eq!(*auth.derived(&key, header), "user=0xabc");
    /// // The second call finds the kept value: `derive` does not run.
    /// assert_eq!(*auth.derived(&key, |_| -> String { unreachable!() }), "user=0xabc");
    /// ```
    pub fn derived<T>(&self, key: &DerivedKey, derive: impl FnOnce(&Self) -> T) -> Cow<'_, T>
    where
        T: Clone + Send + Sync + 'static,
    {
        if let Some(kept) = self.0.derived.get() {
            return match kept.value.downcast_ref::<T>() {
                Some(value) if kept.key == key.0 => Cow::Borrowed(value),
                _ => Cow::Owned(derive(self)),
            };
        }
        let value = derive(self);
        // Another request may have kept its value first: then this one is simply not kept.
        let _ = self.0.derived.set(Box::new(Derived {
            key: key.0,
            value: Box::new(value.clone()),
        }));
        Cow::Owned(value)
    }

    /// The provider that issued the token.
    pub fn provider(&self) -> &ProviderId {
        match &self.0.kept_identity {
            Some(identity) => &identity.provider,
            None => self.0.claims.provider(),
        }
    }

    /// The typed claims of whichever provider issued the token.
    pub fn claims(&self) -> &AnyClaims {
        &self.0.claims
    }

    /// The claims as one provider's type, when that provider issued the token.
    pub fn claims_as<C: ProviderClaims>(&self) -> Option<Arc<C>> {
        self.0.claims.get_arc::<C>()
    }

    /// The provider-neutral identity: derived from the claims on each call (a few small
    /// allocations), or borrowed when the policy's configured identity claims made it.
    pub fn identity(&self) -> Cow<'_, Identity> {
        if let Some(identity) = &self.0.kept_identity {
            return Cow::Borrowed(identity);
        }
        // `new` derived this identity once already; the claims have not changed since.
        Cow::Owned(self.0.claims.identity().unwrap_or_else(|_| {
            let exp = self.0.claims.registered().exp.map_or(0, |d| d.0);
            Identity::new(self.provider().clone(), String::new(), exp)
        }))
    }

    /// `exp`, in seconds since the epoch.
    pub fn expires_at(&self) -> i64 {
        match (&self.0.kept_identity, self.0.claims.registered().exp) {
            (Some(identity), _) => identity.expires_at,
            (None, Some(exp)) => exp.0,
            (None, None) => self.identity().expires_at,
        }
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
