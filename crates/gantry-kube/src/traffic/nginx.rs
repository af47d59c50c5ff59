//! NGINX ingress canaries: a second Ingress for the same host, marked
//! `nginx.ingress.kubernetes.io/canary: "true"`, gets
//! `nginx.ingress.kubernetes.io/canary-weight: "N"` of the traffic (out of
//! `canary-weight-total`, 100 unless set).

use futures_util::future::BoxFuture;
use gantry_traffic::{ShiftError, Shifted, TrafficShifter, Weight};
use k8s_openapi::api::networking::v1::Ingress;
use kube::Client;
use kube::api::ApiResource;
use serde_json::Value;

use super::{WeightChange, shift};

/// Marks an Ingress as the canary of another one for the same host.
pub const CANARY_ANNOTATION: &str = "nginx.ingress.kubernetes.io/canary";
/// The canary's share, out of the total.
pub const CANARY_WEIGHT_ANNOTATION: &str = "nginx.ingress.kubernetes.io/canary-weight";
/// What the weight is out of (100 unless set).
pub const CANARY_WEIGHT_TOTAL_ANNOTATION: &str = "nginx.ingress.kubernetes.io/canary-weight-total";

/// Shifts an NGINX canary Ingress's weight.
#[derive(Clone)]
pub struct NginxCanaryShifter {
    client: Client,
    namespace: String,
    ingress: String,
}

impl NginxCanaryShifter {
    /// The canary Ingress `namespace/ingress` (already marked as a canary:
    /// gantry does not turn an Ingress into one, so pointing it at the
    /// main Ingress cannot send its traffic away).
    pub fn new(client: Client, namespace: &str, ingress: &str) -> Self {
        NginxCanaryShifter {
            client,
            namespace: namespace.to_owned(),
            ingress: ingress.to_owned(),
        }
    }
}

impl TrafficShifter for NginxCanaryShifter {
    fn describe(&self) -> String {
        format!("Ingress {}/{}", self.namespace, self.ingress)
    }

    fn set_canary_weight(&self, weight: Weight) -> BoxFuture<'_, Result<Shifted, ShiftError>> {
        Box::pin(async move {
            let target = self.describe();
            let resource = ApiResource::erase::<Ingress>(&());
            shift(
                &self.client,
                &resource,
                &self.namespace,
                &self.ingress,
                &target,
                |ingress| set_canary_annotations(ingress, weight),
            )
            .await
            .map_err(|err| err.into_shift_error(target.clone()))
        })
    }
}

/// Set the canary weight on a canary Ingress; an Ingress not marked as a
/// canary, or with a total that is not a positive number, is an error and
/// is left as it was.
pub fn set_canary_annotations(ingress: &mut Value, weight: Weight) -> Result<WeightChange, String> {
    let annotation = |key: &str| {
        ingress
            .pointer("/metadata/annotations")
            .and_then(|a| a.get(key))
            .and_then(Value::as_str)
            .map(str::trim)
    };
    if annotation(CANARY_ANNOTATION) != Some("true") {
        return Err(format!(
            "it is not an NGINX canary Ingress (annotate it {CANARY_ANNOTATION}: \"true\"; gantry does not turn an Ingress into a canary)"
        ));
    }
    let total: u64 = match annotation(CANARY_WEIGHT_TOTAL_ANNOTATION) {
        None => 100,
        Some(text) => match text.parse() {
            Ok(total) if total > 0 => total,
            _ => {
                return Err(format!(
                    "{CANARY_WEIGHT_TOTAL_ANNOTATION} is {text:?}, not a positive whole number"
                ));
            }
        },
    };
    let value = canary_weight_value(weight, total);
    let current = annotation(CANARY_WEIGHT_ANNOTATION).map(str::to_owned);
    let before_value: u64 = current.as_deref().and_then(|v| v.parse().ok()).unwrap_or(0);
    let changed = current.as_deref() != Some(value.to_string().as_str());
    if changed {
        crate::set_image::set_annotation(ingress, CANARY_WEIGHT_ANNOTATION, &value.to_string());
    }
    let of = |v: u64| {
        if total == 100 {
            format!("{v}/{}", 100u64.saturating_sub(v))
        } else {
            format!("{v} of {total}")
        }
    };
    Ok(WeightChange {
        now: format!("canary-weight {}", of(value)),
        before: of(before_value),
        changed,
    })
}

/// The annotation's value for `weight` percent of `total`, rounded half up.
pub(crate) fn canary_weight_value(weight: Weight, total: u64) -> u64 {
    (u64::from(weight.canary()) * total + 50) / 100
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn ingress(annotations: Value) -> Value {
        json!({"metadata": {"name": "web-canary", "namespace": "prod", "annotations": annotations}, "spec": {}})
    }

    #[test]
    fn weights() {
        let w = |p| Weight::new(p).unwrap();
        let cases = [
            (
                json!({CANARY_ANNOTATION: "true"}),
                w(10),
                Some("10"),
                true,
                "canary-weight 10/90",
                "0/100",
            ),
            (
                json!({CANARY_ANNOTATION: "true", CANARY_WEIGHT_ANNOTATION: "10"}),
                w(10),
                Some("10"),
                false,
                "canary-weight 10/90",
                "10/90",
            ),
            (
                json!({CANARY_ANNOTATION: "true", CANARY_WEIGHT_ANNOTATION: "10"}),
                w(0),
                Some("0"),
                true,
                "canary-weight 0/100",
                "10/90",
            ),
            (
                json!({CANARY_ANNOTATION: "true", CANARY_WEIGHT_ANNOTATION: "junk"}),
                w(100),
                Some("100"),
                true,
                "canary-weight 100/0",
                "0/100",
            ),
            (
                json!({CANARY_ANNOTATION: "true", CANARY_WEIGHT_TOTAL_ANNOTATION: "1000"}),
                w(25),
                Some("250"),
                true,
                "canary-weight 250 of 1000",
                "0 of 1000",
            ),
            (
                json!({CANARY_ANNOTATION: "true", CANARY_WEIGHT_TOTAL_ANNOTATION: "3"}),
                w(50),
                Some("2"),
                true,
                "canary-weight 2 of 3",
                "0 of 3",
            ),
        ];
        for (annotations, weight, stored, changed, now, before) in cases {
            let mut object = ingress(annotations.clone());
            let change = set_canary_annotations(&mut object, weight).unwrap();
            assert_eq!(
                (
                    object["metadata"]["annotations"][CANARY_WEIGHT_ANNOTATION].as_str(),
                    change.changed,
                    change.now.as_str(),
                    change.before.as_str()
                ),
                (stored, changed, now, before),
                "{annotations} {weight}"
            );
            assert_eq!(object["metadata"]["annotations"][CANARY_ANNOTATION], "true");
        }
    }

    #[test]
    fn refusals_leave_the_ingress_alone() {
        let cases = [
            (ingress(json!({})), "not an NGINX canary Ingress"),
            (
                ingress(json!({CANARY_ANNOTATION: "false"})),
                "not an NGINX canary Ingress",
            ),
            (
                json!({"metadata": {"name": "web"}}),
                "not an NGINX canary Ingress",
            ),
            (
                ingress(json!({CANARY_ANNOTATION: "true", CANARY_WEIGHT_TOTAL_ANNOTATION: "0"})),
                "not a positive whole number",
            ),
        ];
        for (mut object, words) in cases {
            let before = object.clone();
            let err = set_canary_annotations(&mut object, Weight::new(5).unwrap()).unwrap_err();
            assert!(err.contains(words), "{err}");
            assert_eq!(object, before);
        }
        assert_eq!(canary_weight_value(Weight::new(1).unwrap(), 10), 0);
        assert_eq!(canary_weight_value(Weight::new(5).unwrap(), 10), 1);
    }
}
