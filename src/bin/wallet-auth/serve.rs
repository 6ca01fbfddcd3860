//! `wallet-auth serve`: the forward-auth service for nginx, Caddy, Traefik and Envoy (see
//! [`wallet_auth::gateway`]). Exit codes: 0 after a graceful shutdown (SIGTERM or SIGINT: requests
//! in flight are finished), 1 when the address cannot be bound or the server fails, 2 on a bad
//! configuration (one line naming the key).

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use wallet_auth::gateway::envoy_check::EnvoyCheck;
use wallet_auth::gateway::{Gateway, RefusalLog};
use wallet_auth::layer::AuthConfig;
use wallet_auth::layer::metrics::{UPKEEP_INTERVAL, describe, record_verifier_stats, spawn_upkeep};
use wallet_auth::layer::signin::SigninRoutes;

use crate::output::{Failure, refused, usage};

/// The default address.
pub(crate) const DEFAULT_LISTEN: &str = "127.0.0.1:8089";

/// Run the service until SIGTERM or SIGINT; with `grpc_listen`, Envoy's gRPC `Check` service too.
pub(crate) fn serve(
    config: &Path,
    listen: &str,
    grpc_listen: Option<&str>,
    log_format: &str,
) -> Result<(), Failure> {
    let log = match log_format {
        "text" => RefusalLog::Text,
        "json" => RefusalLog::Json,
        other => {
            return Err(usage(format!(
                "--log-format {other:?}: expected text or json"
            )));
        }
    };
    let addr: SocketAddr = listen.parse().map_err(|_| {
        usage(format!(
            "--listen {listen:?}: expected an address like {DEFAULT_LISTEN}"
        ))
    })?;
    let grpc_addr: Option<SocketAddr> = grpc_listen
        .map(|g| {
            g.parse().map_err(|_| {
                usage(format!(
                    "--grpc-listen {g:?}: expected an address like 127.0.0.1:8090"
                ))
            })
        })
        .transpose()?;
    let config = AuthConfig::from_file(config).map_err(|e| usage(format!("config: {e}")))?;
    let gateway = Gateway::from_config(&config, log).map_err(|e| usage(format!("config: {e}")))?;
    // Wallet sign-in (`[signin]`): its routes on the same listener; the gateway verifies the
    // sessions it issues (same configuration, same revocations).
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| refused(format!("cannot start the async runtime: {e}")))?;
    // A Redis store (`[signin] store = "redis://…"`) connects and subscribes here, in the runtime.
    let signin = runtime
        .block_on(config.signin_service_connect())
        .map_err(|e| usage(format!("config: {e}")))?
        .map(SigninRoutes::new);
    runtime.block_on(async move {
        let metrics = match metrics_exporter_prometheus::PrometheusBuilder::new().install_recorder()
        {
            Ok(handle) => {
                describe();
                let upkeep = handle.clone();
                spawn_upkeep(UPKEEP_INTERVAL, move || upkeep.run_upkeep());
                let verifier = gateway.verifier().clone();
                let render: Arc<dyn Fn() -> String + Send + Sync> = Arc::new(move || {
                    record_verifier_stats(&verifier);
                    handle.render()
                });
                Some(render)
            }
            Err(_) => None,
        };
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| refused(format!("cannot listen on {addr}: {e}")))?;
        if config.jwks.prefetch {
            gateway
                .verifier()
                .start()
                .await
                .map_err(|e| usage(format!("config: {e}")))?;
        }
        let grpc_listener = match grpc_addr {
            Some(addr) => Some(
                tokio::net::TcpListener::bind(addr)
                    .await
                    .map_err(|e| refused(format!("cannot listen on {addr}: {e}")))?,
            ),
            None => None,
        };
        let bound = listener.local_addr().unwrap_or(addr);
        match grpc_listener.as_ref().and_then(|l| l.local_addr().ok()) {
            Some(grpc) => eprintln!(
                "wallet-auth serve: listening on http://{bound} (/auth, /healthz, /readyz, /metrics), grpc {grpc} (envoy.service.auth.v3.Authorization)"
            ),
            None => eprintln!(
                "wallet-auth serve: listening on http://{bound} (/auth, /healthz, /readyz, /metrics)"
            ),
        }
        if signin.is_some() {
            eprintln!(
                "wallet-auth serve: wallet sign-in on http://{bound} (/signin/nonce, /signin/siwe, /signin/siws, /signin/logout, /.well-known/jwks.json)"
            );
        }
        // One signal stops both servers; each finishes its requests in flight.
        let (stop, stopped) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            shutdown_signal().await;
            let _ = stop.send(true);
        });
        let wait = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
            let _ = rx.wait_for(|stop| *stop).await;
        };
        let mut router = gateway.router(metrics);
        if let Some(signin) = &signin {
            router = router.merge(signin.router());
        }
        let http = axum::serve(listener, router)
            .with_graceful_shutdown(wait(stopped.clone()));
        let grpc = async {
            match grpc_listener {
                Some(listener) => tonic::transport::Server::builder()
                    .add_service(EnvoyCheck::new(gateway.clone()).into_server())
                    .serve_with_incoming_shutdown(
                        tonic::transport::server::TcpIncoming::from(listener),
                        wait(stopped.clone()),
                    )
                    .await
                    .map_err(|e| refused(format!("grpc server: {e}"))),
                None => Ok(()),
            }
        };
        let (http, grpc) = tokio::join!(http, grpc);
        http.map_err(|e| refused(format!("server: {e}")))?;
        grpc?;
        eprintln!("wallet-auth serve: stopped");
        Ok(())
    })
}

/// SIGTERM or SIGINT (Ctrl-C).
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                term.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
