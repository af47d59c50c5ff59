//! One request: authentication, injected faults, routing to discovery or
//! to a verb on a resource, and the record of what was asked.

use serde_json::Value;

use super::KubeRequest;
use super::api::{self, ListOptions, Scope, Sub};
use super::delete::{self, DeleteOptions};
use super::discovery;
use super::http::{Reply, Request};
use super::openapi;
use super::router::{self, ObjectRoute, Route, percent_decode};
use super::scale;
use super::shared::{Shared, lock};
use super::status::ApiError;
use super::table;
use super::watch::WatchRequest;
use super::write::{self, PatchType, WriteOptions};
use crate::fault_server::Fault;

/// What the connection does next.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// Write this response.
    Reply(Reply),
    /// Stream a watch.
    Watch(WatchRequest),
    /// Answer nothing (an injected hang).
    Hang,
}

impl From<Result<Reply, ApiError>> for Outcome {
    fn from(result: Result<Reply, ApiError>) -> Self {
        Outcome::Reply(result.unwrap_or_else(|e| Reply::json(e.code, &e.body)))
    }
}

fn error(e: &ApiError) -> Outcome {
    Outcome::Reply(Reply::json(e.code, &e.body))
}

/// Handle one request and record it.
pub(crate) fn handle(shared: &Shared, request: &Request) -> Outcome {
    let authorization = request.header("authorization");
    let authorized = authorization
        .and_then(|a| a.strip_prefix("Bearer "))
        .is_some_and(|t| t.trim() == shared.token);
    let mut seen = KubeRequest {
        method: request.method.clone(),
        path: percent_decode(&request.path, false),
        query: request.raw_query.clone(),
        content_type: request.header("content-type").map(str::to_owned),
        status: 0,
        authorized,
        injected: false,
        watch: false,
        body: String::from_utf8_lossy(&request.body).into_owned(),
    };
    let outcome = match shared.take_fault(&request.method, &request.target) {
        Some(Fault::Respond {
            status,
            headers,
            body,
        }) => {
            seen.injected = true;
            Outcome::Reply(Reply {
                status,
                headers,
                body,
            })
        }
        Some(Fault::Hang) => {
            seen.injected = true;
            Outcome::Hang
        }
        None if !(authorized || (authorization.is_none() && router::is_public(&request.path))) => {
            error(&ApiError::unauthorized())
        }
        None => dispatch(shared, request),
    };
    match &outcome {
        Outcome::Reply(r) => seen.status = r.status,
        Outcome::Watch(_) => {
            seen.status = 200;
            seen.watch = true;
        }
        Outcome::Hang => {}
    }
    lock(&shared.seen).push(seen);
    outcome
}

fn dispatch(shared: &Shared, request: &Request) -> Outcome {
    let decoded: Vec<String> = request
        .path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| percent_decode(s, false))
        .collect();
    let segments: Vec<&str> = decoded.iter().map(String::as_str).collect();
    let route = router::route(&segments);
    let get_only = |value: Value| {
        if request.method == "GET" {
            Outcome::Reply(Reply::json(200, &value))
        } else {
            error(&ApiError::method_not_allowed())
        }
    };
    match route {
        Route::Root => get_only(discovery::root_paths()),
        Route::Version => get_only(discovery::version()),
        Route::Health => Outcome::Reply(Reply::text(200, "ok")),
        Route::CoreVersions => get_only(discovery::core_versions(&shared.addr)),
        Route::Groups => get_only(discovery::group_list()),
        Route::Group(group) => get_only(discovery::group(group)),
        Route::Resources { group, version } => get_only(discovery::resource_list(group, &version)),
        Route::OpenApiIndex => get_only(openapi::index()),
        Route::OpenApi { group, version } => get_only(openapi::document(group, &version)),
        Route::NotFound => error(&ApiError::no_such_path()),
        Route::Object(route) => objects(shared, request, &route),
    }
}

fn is_watch(request: &Request) -> bool {
    matches!(
        request.query.get("watch").map(String::as_str),
        Some("true" | "1")
    )
}

fn json_body(request: &Request, kind: &str) -> Result<Value, ApiError> {
    if let Some(ct) = request.header("content-type") {
        let media = ct.split(';').next().unwrap_or_default().trim();
        if !matches!(media, "application/json" | "*/*" | "") {
            return Err(ApiError::unsupported_media_type(&["application/json"]));
        }
    }
    serde_json::from_slice(&request.body).map_err(|e| {
        ApiError::bad_request(&format!(
            "the object provided is unrecognized (must be of type {kind}): couldn't get version/kind; json parse error: {e}"
        ))
    })
}

fn objects(shared: &Shared, request: &Request, route: &ObjectRoute) -> Outcome {
    let resource = route.resource;
    let scope = Scope {
        resource,
        version: &route.version,
        namespace: route.namespace.as_deref(),
    };
    let options = WriteOptions {
        dry_run: request.query.get("dryRun").map(String::as_str) == Some("All"),
        field_manager: request.query.get("fieldManager").cloned(),
    };
    let table = table::wanted(request.header("accept"));
    let method = request.method.as_str();
    let collection_ok = !resource.namespaced || route.namespace.is_some();
    let sub = match route.subresource.as_deref() {
        None => Sub::Main,
        Some("status") if resource.subresources.contains(&"status") => Sub::Status,
        Some("scale") if resource.subresources.contains(&"scale") => Sub::Scale,
        Some(_) => return error(&ApiError::no_such_path()),
    };
    let answer = |status: u16, result: Result<Value, ApiError>| -> Outcome {
        result.map(|v| Reply::json(status, &v)).into()
    };
    match (&route.name, method) {
        (None, "GET") => {
            let list = match ListOptions::from_query(&request.query, resource.kind) {
                Ok(l) => l,
                Err(e) => return error(&e),
            };
            if is_watch(request) {
                return match WatchRequest::parse(route, &request.query, list) {
                    Ok(w) => Outcome::Watch(WatchRequest { table, ..w }),
                    Err(e) => error(&e),
                };
            }
            let result = shared.with_cluster(|c| api::list(c, &scope, &list));
            match (result, table) {
                (Ok(list), true) => answer(200, Ok(table::of_list(resource, &list))),
                (result, _) => answer(200, result),
            }
        }
        (None, "POST") if collection_ok => {
            let result = json_body(request, resource.kind)
                .and_then(|body| shared.with_cluster(|c| write::create(c, &scope, body, &options)));
            answer(201, result)
        }
        (None, "DELETE") if collection_ok => {
            let result = ListOptions::from_query(&request.query, resource.kind).and_then(|list| {
                let body = delete_body(request)?;
                let options = DeleteOptions::parse(&request.query, &body)?;
                shared.with_cluster(|c| delete::delete_collection(c, &scope, &list, &options))
            });
            answer(200, result)
        }
        (None, _) => error(&ApiError::method_not_allowed()),
        (Some(name), "GET") if sub == Sub::Main && is_watch(request) => {
            let mut query = request.query.clone();
            query.insert("fieldSelector".into(), format!("metadata.name={name}"));
            match ListOptions::from_query(&query, resource.kind)
                .and_then(|list| WatchRequest::parse(route, &query, list))
            {
                Ok(w) => Outcome::Watch(WatchRequest { table, ..w }),
                Err(e) => error(&e),
            }
        }
        (Some(name), "GET") => {
            let result = shared.with_cluster(|c| match sub {
                Sub::Scale => scale::get(c, &scope, name),
                _ => api::get(c, &scope, name),
            });
            match (result, table && sub == Sub::Main) {
                (Ok(object), true) => answer(200, Ok(table::of_object(resource, &object))),
                (result, _) => answer(200, result),
            }
        }
        (Some(name), "PUT") => {
            let result = json_body(request, resource.kind).and_then(|body| {
                shared.with_cluster(|c| match sub {
                    Sub::Scale => scale::replace(c, &scope, name, &body, &options),
                    _ => write::replace(c, &scope, name, body, sub, &options),
                })
            });
            answer(200, result)
        }
        (Some(name), "PATCH") => {
            let content_type = request.header("content-type").unwrap_or_default();
            let Some(kind) = PatchType::from_content_type(content_type) else {
                return error(&ApiError::unsupported_media_type(&PatchType::accepted(
                    resource,
                )));
            };
            match shared
                .with_cluster(|c| write::patch(c, &scope, name, kind, &request.body, sub, &options))
            {
                Ok((object, status)) => answer(status, Ok(object)),
                Err(e) => error(&e),
            }
        }
        (Some(name), "DELETE") if sub == Sub::Main => {
            let result = delete_body(request)
                .and_then(|body| DeleteOptions::parse(&request.query, &body))
                .and_then(|options| {
                    shared.with_cluster(|c| delete::delete(c, &scope, name, &options))
                });
            answer(200, result)
        }
        _ => error(&ApiError::method_not_allowed()),
    }
}

fn delete_body(request: &Request) -> Result<Value, ApiError> {
    if request.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Null);
    }
    serde_json::from_slice(&request.body)
        .map_err(|e| ApiError::bad_request(&format!("the body of DeleteOptions is not JSON: {e}")))
}
