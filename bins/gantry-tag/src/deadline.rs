//! How a deadline reads in messages: `20s`, `1.5s`, `500ms`.

use std::time::Duration;

pub(crate) fn shown(duration: Duration) -> String {
    let millis = duration.as_millis();
    if millis < 1000 {
        format!("{millis}ms")
    } else if millis.is_multiple_of(1000) {
        format!("{}s", millis / 1000)
    } else {
        format!("{:.1}s", duration.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_like_the_flag() {
        assert_eq!(shown(Duration::from_secs(20)), "20s");
        assert_eq!(shown(Duration::from_millis(1500)), "1.5s");
        assert_eq!(shown(Duration::from_millis(300)), "300ms");
    }
}
