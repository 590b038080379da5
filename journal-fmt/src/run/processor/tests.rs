//! The processor on single entries and merged events.

use super::*;

/// The quick way of writing a merged event (the first entry as written, the rest
/// added) gives exactly what reading the first entry again gives.
#[test]
fn a_merged_event_is_the_same_either_way() {
    let lines = [
        r#"{"__REALTIME_TIMESTAMP":"1795168807903400","_PID":"7","SYSLOG_IDENTIFIER":"billing","MESSAGE":"10:00:07.903 request_id=Fx9 [error] GenServer W terminating","PRIORITY":"6"}"#,
        r#"{"__REALTIME_TIMESTAMP":"1795168807903550","_PID":"7","MESSAGE":"** (ArithmeticError) bad argument","PRIORITY":"6"}"#,
        r#"{"__REALTIME_TIMESTAMP":"1795168807903700","_PID":"7","MESSAGE":"    (billing 0.1.0) lib/w.ex:42: W.call/3\t\"x\"","PRIORITY":"6"}"#,
    ];
    for output in [Output::Json, Output::Short, Output::Cat] {
        for color in [false, true] {
            let settings = Arc::new(Settings {
                output,
                color,
                utc: true,
                filter: Filter::default(),
                now: 1_795_338_007_000_000,
                max_line: 1 << 20,
                merge: true,
            });
            let mut processor = Processor::new(settings);
            let mut out = Vec::new();
            for line in lines {
                processor.line(Format::Json, line.as_bytes(), &mut out);
            }
            assert!(out.is_empty());
            let event = processor.open.pop().unwrap();
            assert_eq!(event.count, 3);
            let (mut quick, mut slow) = (Vec::new(), Vec::new());
            assert!(processor.extend_written(&event, &mut quick), "{output:?}");
            processor.write_merged(&event, &mut slow);
            assert_eq!(
                String::from_utf8_lossy(&quick),
                String::from_utf8_lossy(&slow),
                "{output:?}, colour {color}"
            );
        }
    }
}
