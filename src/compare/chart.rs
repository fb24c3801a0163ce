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

/// Chart width in pixels; the height grows with the legend below the plot.
pub const WIDTH: u32 = 1000;

/// Height of the plot part (title, axes, curves).
const PLOT_HEIGHT: u32 = 600;

/// One legend row's height.
const LEGEND_ROW: u32 = 26;

/// The chart's size for `data`: the plot plus one legend row per curve
/// and one for the break-even.
pub fn size(data: &ChartData) -> (u32, u32) {
    let rows = data.curves.len()
        + usize::from(data.marker.is_some())
        + usize::from(data.no_break_even.is_some());
    let rows = u32::try_from(rows).unwrap_or(4);
    (WIDTH, PLOT_HEIGHT + rows * LEGEND_ROW + 16)
}

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
    let y_top = y_top * 1.12;
    let root = SVGBackend::with_string(out, size(data)).into_drawing_area();
    root.fill(&WHITE)?;
    let (upper, lower) = root.split_vertically(PLOT_HEIGHT);
    let mut chart = ChartBuilder::on(&upper)
        .caption(&data.title, ("sans-serif", 26))
        .margin(20)
        .margin_right(36)
        .x_label_area_size(60)
        .y_label_area_size(84)
        .build_cartesian_2d(0f64..x_end, 0f64..y_top)?;
    let factor_axis = !data.x_in_units;
    let x_fmt = |x: &f64| {
        let t = format_axis(*x, x_end < 20.0);
        if factor_axis {
            // 0.50 → 0.5×, 1.00 → 1×.
            let t = if t.contains('.') {
                t.trim_end_matches('0').trim_end_matches('.')
            } else {
                &t
            };
            format!("{t}×")
        } else {
            t
        }
    };
    let y_fmt = |y: &f64| format_axis(*y, y_top < 20.0);
    chart
        .configure_mesh()
        .x_desc(data.x_label.as_str())
        .y_desc(data.y_label.as_str())
        .x_labels(11)
        .y_labels(9)
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .axis_desc_style(("sans-serif", 19))
        .label_style(("sans-serif", 16))
        .bold_line_style(RGBColor(225, 225, 225))
        .light_line_style(WHITE)
        .draw()?;

    // The profile's own average month, labelled at the top.
    let grey = RGBColor(110, 110, 110);
    chart.draw_series(DashedLineSeries::new(
        [(scale, 0.0), (scale, y_top)],
        6,
        6,
        grey.stroke_width(1),
    ))?;
    chart.draw_series(std::iter::once(Text::new(
        "your average month",
        (scale + x_end * 0.008, y_top * 0.985),
        ("sans-serif", 15).into_font().color(&grey),
    )))?;

    for curve in &data.curves {
        let style = colour(curve.kind).stroke_width(3);
        let parts = segments(&curve.points, scale);
        for segment in &parts {
            chart.draw_series(LineSeries::new(segment.iter().copied(), style))?;
        }
        // Say why a line stops short of the right edge.
        let last = parts.last().and_then(|s| s.last()).copied();
        let stops_early = curve.points.last().is_some_and(|(_, y)| y.is_none());
        if let (Some((x, y)), true) = (last, stops_early) {
            chart.draw_series(std::iter::once(Circle::new(
                (x, y),
                4,
                colour(curve.kind).filled(),
            )))?;
            chart.draw_series(std::iter::once(Text::new(
                "credits run out",
                (x + x_end * 0.01, y + y_top * 0.045),
                ("sans-serif", 15).into_font().color(&colour(curve.kind)),
            )))?;
        }
    }

    let black = RGBColor(20, 20, 20);
    if let Some((factor, _)) = &data.marker {
        let x = plot_value(*factor) * scale;
        let y = crossing_height(data, *factor);
        chart.draw_series(DashedLineSeries::new(
            [(x, 0.0), (x, y)],
            4,
            4,
            black.stroke_width(1),
        ))?;
        chart.draw_series(std::iter::once(Circle::new(
            (x, y),
            7,
            black.stroke_width(2),
        )))?;
        chart.draw_series(std::iter::once(Text::new(
            "break-even",
            (x + x_end * 0.012, y - y_top * 0.03),
            ("sans-serif", 15).into_font().color(&black),
        )))?;
    }

    // The legend, below the plot where it hides nothing.
    let legend_font = ("sans-serif", 16).into_font();
    let mut row = 0;
    let y_of = |row: &mut i32| {
        let y = 6 + *row * LEGEND_ROW as i32;
        *row += 1;
        y
    };
    for curve in &data.curves {
        let y = y_of(&mut row);
        let c = colour(curve.kind);
        lower.draw(&PathElement::new(
            [(110, y + 6), (146, y + 6)],
            c.stroke_width(3),
        ))?;
        lower.draw(&Text::new(
            curve.label.as_str(),
            (156, y),
            legend_font.clone().color(&black),
        ))?;
    }
    if let Some((_, label)) = &data.marker {
        let y = y_of(&mut row);
        lower.draw(&Circle::new((128, y + 6), 6, black.stroke_width(2)))?;
        lower.draw(&Text::new(
            label.as_str(),
            (156, y),
            legend_font.clone().color(&black),
        ))?;
    }
    if let (None, Some(note)) = (&data.marker, &data.no_break_even) {
        let y = y_of(&mut row);
        lower.draw(&Text::new(
            note.as_str(),
            (110, y),
            legend_font.clone().color(&black),
        ))?;
    }
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
