//! `--chart FILE.svg`: average monthly cost against steady volume for the
//! leading strategies (the best of each kind), with the break-even marked
//! and the profile's own average month shown for reference.
//!
//! Drawn with `plotters`' SVG backend and no font feature: text is written
//! as SVG `<text>` for the viewer's own sans-serif font, so the chart builds
//! with nothing but the Rust toolchain. Exact decimals become plot
//! coordinates here and only here.

use plotters::prelude::*;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::report::ChartData;
use super::strategy::StrategyKind;

/// Chart size in pixels.
pub const SIZE: (u32, u32) = (1000, 640);

/// Converts an exact decimal to a plot coordinate.
fn plot_value(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

fn colour(kind: StrategyKind) -> RGBColor {
    match kind {
        StrategyKind::Packs => RGBColor(31, 119, 180),
        StrategyKind::Subscription => RGBColor(214, 39, 40),
        StrategyKind::PayAsYouGo => RGBColor(44, 160, 44),
    }
}

/// Renders the chart as SVG text.
pub fn svg(data: &ChartData) -> Result<String, String> {
    let mut out = String::new();
    draw(data, &mut out).map_err(|e| format!("drawing the chart failed: {e}"))?;
    Ok(out)
}

fn draw(data: &ChartData, out: &mut String) -> Result<(), Box<dyn std::error::Error>> {
    let scale = plot_value(data.x_per_factor);
    let mut x_end = 1.0;
    let mut y_top: f64 = 1.0;
    for c in &data.curves {
        for (x, y) in &c.points {
            x_end = plot_value(*x).max(x_end);
            if let Some(y) = y {
                y_top = y_top.max(plot_value(*y));
            }
        }
    }
    let x_end = x_end * scale;
    let y_top = y_top * 1.15;
    let root = SVGBackend::with_string(out, SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(&data.title, ("sans-serif", 28))
        .margin(24)
        .x_label_area_size(56)
        .y_label_area_size(84)
        .build_cartesian_2d(0f64..x_end, 0f64..y_top)?;
    let x_fmt = |x: &f64| format_axis(*x, x_end < 20.0);
    let y_fmt = |y: &f64| format_axis(*y, y_top < 20.0);
    chart
        .configure_mesh()
        .x_desc(data.x_label.as_str())
        .y_desc(data.y_label.as_str())
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .axis_desc_style(("sans-serif", 21))
        .label_style(("sans-serif", 17))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()?;

    // The profile's own average month.
    let grey = RGBColor(120, 120, 120);
    chart.draw_series(DashedLineSeries::new(
        [(scale, 0.0), (scale, y_top)],
        6,
        6,
        grey.stroke_width(1),
    ))?;
    chart.draw_series(std::iter::once(Text::new(
        "your average month",
        (scale + x_end * 0.008, y_top * 0.06),
        ("sans-serif", 16).into_font().color(&grey),
    )))?;

    for curve in &data.curves {
        let style = colour(curve.kind).stroke_width(3);
        let mut first = true;
        let parts = segments(&curve.points, scale);
        for segment in &parts {
            let series = chart.draw_series(LineSeries::new(segment.iter().copied(), style))?;
            if first {
                let c = colour(curve.kind);
                series.label(curve.label.as_str()).legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 24, y)], c.stroke_width(3))
                });
                first = false;
            }
        }
        // Say why a line stops short of the right edge.
        let last = parts.last().and_then(|s| s.last()).copied();
        let stops_early = curve.points.last().is_some_and(|(_, y)| y.is_none());
        if let (Some((x, y)), true) = (last, stops_early) {
            chart.draw_series(std::iter::once(Text::new(
                "← can't cover more",
                (x + x_end * 0.006, y),
                ("sans-serif", 16).into_font().color(&colour(curve.kind)),
            )))?;
        }
    }

    if let Some((factor, label)) = &data.marker {
        let x = plot_value(*factor) * scale;
        let y = crossing_height(data, *factor);
        let black = RGBColor(20, 20, 20);
        chart.draw_series(DashedLineSeries::new(
            [(x, 0.0), (x, y)],
            4,
            4,
            black.stroke_width(1),
        ))?;
        chart
            .draw_series(std::iter::once(Circle::new(
                (x, y),
                7,
                black.stroke_width(2),
            )))?
            .label(label.as_str())
            .legend(move |(x, y)| Circle::new((x + 12, y), 6, black.stroke_width(2)));
    }

    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .label_font(("sans-serif", 17))
        .background_style(WHITE.mix(0.9))
        .border_style(RGBColor(180, 180, 180))
        .draw()?;
    root.present()?;
    Ok(())
}

/// The height of the break-even: the lowest curve value at the factor.
fn crossing_height(data: &ChartData, factor: Decimal) -> f64 {
    data.curves
        .iter()
        .filter_map(|c| {
            c.points
                .iter()
                .min_by_key(|(x, _)| (*x - factor).abs())
                .and_then(|(_, y)| *y)
        })
        .min()
        .map_or(0.0, plot_value)
}

/// Splits a curve where it can't do the work, scaling x to the axis unit.
fn segments(points: &[(Decimal, Option<Decimal>)], scale: f64) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
    for (x, y) in points {
        match y {
            Some(y) => out
                .last_mut()
                .expect("never empty")
                .push((plot_value(*x) * scale, plot_value(*y))),
            None if out.last().is_some_and(|s| !s.is_empty()) => out.push(Vec::new()),
            None => {}
        }
    }
    out.retain(|s| !s.is_empty());
    out
}

/// Axis tick text: whole numbers with thousands separators, or two
/// decimal places on a short axis.
fn format_axis(v: f64, short_axis: bool) -> String {
    if short_axis {
        return format!("{v:.2}");
    }
    let n = v.round() as i64;
    let digits = n.abs().to_string();
    let mut grouped = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    if n < 0 {
        format!("-{grouped}")
    } else {
        grouped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_text() {
        assert_eq!(format_axis(1234.0, false), "1,234");
        assert_eq!(format_axis(12.5, true), "12.50");
        assert_eq!(format_axis(1.0, true), "1.00");
        assert_eq!(format_axis(0.0, false), "0");
    }
}
