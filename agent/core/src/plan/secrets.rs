//! Services in, each one's credentials out (`Service::secrets`): the variables its compose file
//! gives a credential (or a URL with a password in it) and the credential-named variables its
//! code reads, less those a dependency's wiring already sets. Each is set from the service's
//! own Secret; berth generates the app-owned signing keys and asks a person for the rest.

use super::{Evidence, SecretEnv, Service, Warning};

/// A name that holds a credential.
pub fn is_credential(name: &str) -> bool {
    let k = name.to_uppercase();
    [
        "PASSWORD",
        "PASSWD",
        "SECRET",
        "TOKEN",
        "API_KEY",
        "APIKEY",
        "PRIVATE_KEY",
        "ACCESS_KEY",
        "CREDENTIAL",
    ]
    .iter()
    .any(|w| k.contains(w))
}

/// A secret the app only needs to be random and stable (it signs its own sessions or tokens
/// with it); anything issued by someone else (an API key, a client secret, a token) is not.
pub fn is_generatable(name: &str) -> bool {
    let k = name.to_uppercase();
    const OWN: &[&str] = &[
        "SECRET",
        "SECRET_KEY",
        "APP_SECRET",
        "JWT_SECRET",
        "JWT_SECRET_KEY",
        "SESSION_SECRET",
        "COOKIE_SECRET",
        "AUTH_SECRET",
        "NEXTAUTH_SECRET",
        "DJANGO_SECRET_KEY",
        "FLASK_SECRET_KEY",
        "SECRET_KEY_BASE",
    ];
    OWN.contains(&k.as_str()) || k.ends_with("_JWT_SECRET") || k.ends_with("_SESSION_SECRET")
}

/// The Secret a service's credentials are read from.
pub fn secret_name(service: &str) -> String {
    format!("{service}-secrets")
}

/// Adds the credential-named variables each service's code reads to those its compose file
/// named, leaves out what dependencies set, and says which ones a person must provide.
pub fn wire(app: &str, services: &mut [Service], warnings: &mut Vec<Warning>) {
    for s in services.iter_mut() {
        // A static site's variables are read by the browser: a secret there is public.
        if s.is_static_site() {
            s.secrets.clear();
            continue;
        }
        let read: Vec<String> = s
            .env
            .iter()
            // A bundle's build-time variable is public by design (a publishable key).
            .filter(|e| {
                is_credential(e) && !super::is_baked(e) && !s.secrets.iter().any(|x| &x.name == *e)
            })
            .cloned()
            .collect();
        for name in read {
            s.secrets.push(SecretEnv {
                generate: is_generatable(&name),
                evidence: Evidence {
                    source: format!("{} (read by the code)", s.path),
                },
                name,
            });
        }
        let wired: Vec<String> = s
            .secrets
            .iter()
            .filter(|x| is_set_by_a_dependency(s, &x.name))
            .map(|x| x.name.clone())
            .collect();
        s.secrets.retain(|x| !wired.contains(&x.name));
        s.secrets.sort_by(|a, b| a.name.cmp(&b.name));
        let provided: Vec<&SecretEnv> = s.secrets.iter().filter(|x| !x.generate).collect();
        if let Some(first) = provided.first() {
            let at = first.evidence.source.clone();
            let first = &first.name;
            let provided: Vec<&str> = provided.iter().map(|x| x.name.as_str()).collect();
            warnings.push(Warning {
                message: format!(
                    "service {}: {} {} from Secret {}, which only you can fill: kubectl -n {app} create secret generic {} --from-literal={first}=... --dry-run=client -o yaml | kubectl apply -f - (berth apply keeps it; until then the container starts without {})",
                    s.name,
                    provided.join(", "),
                    if provided.len() == 1 { "comes" } else { "come" },
                    secret_name(&s.name),
                    secret_name(&s.name),
                    if provided.len() == 1 { "it" } else { "them" },
                ),
                location: Some(at),
            });
        }
    }
}

/// Whether a dependency's wiring sets `name` (its URL, or the password it reads from the
/// dependency's own Secret).
fn is_set_by_a_dependency(s: &Service, name: &str) -> bool {
    s.connects_to.iter().any(|c| {
        c.env.iter().any(|e| e == name)
            || name == format!("{}_PASSWORD", c.dependency.to_uppercase().replace('-', "_"))
    })
}
