import Foundation

/// history.svg: training and validation loss against step, drawn by hand (no dependency) so that
/// any browser or image viewer opens it: axes with ticks and labels, a grid, a legend.
enum HistoryChart {
    static let width = 760.0, height = 440.0
    static let plot = (left: 78.0, right: 740.0, top: 50.0, bottom: 380.0)
    static let trainColour = "#1f77b4", validationColour = "#e6550d", gridColour = "#e5e5e5", legendBorder = "#999999"

    static func svg(_ rows: [HistoryRow], title: String) -> String {
        let train = rows.compactMap { row in row.trainLoss.map { (Double(row.step), $0) } }.filter { $0.1.isFinite }
        let validation = rows.compactMap { row in row.valLoss.map { (Double(row.step), $0) } }.filter { $0.1.isFinite }
        let points = train + validation
        let xTicks = ticks(0, max(points.map(\.0).max() ?? 1, 1))
        let yLow = points.map(\.1).min() ?? 0, yHigh = points.map(\.1).max() ?? 1
        let yTicks = ticks(max(0, yLow - 0.05 * (yHigh - yLow)), yHigh + 0.05 * max(yHigh - yLow, 1e-3))
        let xRange = (xTicks.first!, xTicks.last!), yRange = (yTicks.first!, yTicks.last!)
        func x(_ value: Double) -> Double { plot.left + (value - xRange.0) / (xRange.1 - xRange.0) * (plot.right - plot.left) }
        func y(_ value: Double) -> Double { plot.bottom - (value - yRange.0) / (yRange.1 - yRange.0) * (plot.bottom - plot.top) }
        func f(_ value: Double) -> String { String(format: "%.1f", value) }

        var svg: [String] = []
        svg.append(#"<?xml version="1.0" encoding="UTF-8"?>"#)
        svg.append(#"<svg xmlns="http://www.w3.org/2000/svg" width="\#(Int(width))" height="\#(Int(height))" viewBox="0 0 \#(Int(width)) \#(Int(height))" font-family="Helvetica, Arial, sans-serif" font-size="12">"#)
        svg.append(#"<rect x="0" y="0" width="\#(Int(width))" height="\#(Int(height))" fill="white"/>"#)
        svg.append(#"<text x="\#(f((plot.left + plot.right) / 2))" y="28" text-anchor="middle" font-size="15">\#(escape(title))</text>"#)
        // Grid and ticks.
        for tick in xTicks {
            svg.append(#"<line x1="\#(f(x(tick)))" y1="\#(f(plot.top))" x2="\#(f(x(tick)))" y2="\#(f(plot.bottom))" stroke="\#(gridColour)"/>"#)
            svg.append(#"<line x1="\#(f(x(tick)))" y1="\#(f(plot.bottom))" x2="\#(f(x(tick)))" y2="\#(f(plot.bottom + 5))" stroke="black"/>"#)
            svg.append(#"<text x="\#(f(x(tick)))" y="\#(f(plot.bottom + 19))" text-anchor="middle">\#(label(tick))</text>"#)
        }
        for tick in yTicks {
            svg.append(#"<line x1="\#(f(plot.left))" y1="\#(f(y(tick)))" x2="\#(f(plot.right))" y2="\#(f(y(tick)))" stroke="\#(gridColour)"/>"#)
            svg.append(#"<line x1="\#(f(plot.left - 5))" y1="\#(f(y(tick)))" x2="\#(f(plot.left))" y2="\#(f(y(tick)))" stroke="black"/>"#)
            svg.append(#"<text x="\#(f(plot.left - 8))" y="\#(f(y(tick) + 4))" text-anchor="end">\#(label(tick))</text>"#)
        }
        // Axes and their labels.
        svg.append(#"<polyline points="\#(f(plot.left)),\#(f(plot.top)) \#(f(plot.left)),\#(f(plot.bottom)) \#(f(plot.right)),\#(f(plot.bottom))" fill="none" stroke="black"/>"#)
        svg.append(#"<text x="\#(f((plot.left + plot.right) / 2))" y="\#(f(plot.bottom + 42))" text-anchor="middle">step</text>"#)
        svg.append(#"<text x="20" y="\#(f((plot.top + plot.bottom) / 2))" text-anchor="middle" transform="rotate(-90 20 \#(f((plot.top + plot.bottom) / 2)))">loss (nats per character)</text>"#)
        // The curves: training as a line, validation as a line with a dot at each evaluation.
        if !train.isEmpty {
            svg.append(#"<polyline points="\#(train.map { "\(f(x($0.0))),\(f(y($0.1)))" }.joined(separator: " "))" fill="none" stroke="\#(trainColour)" stroke-width="1.5"/>"#)
        }
        if !validation.isEmpty {
            svg.append(#"<polyline points="\#(validation.map { "\(f(x($0.0))),\(f(y($0.1)))" }.joined(separator: " "))" fill="none" stroke="\#(validationColour)" stroke-width="2"/>"#)
            for point in validation {
                svg.append(#"<circle cx="\#(f(x(point.0)))" cy="\#(f(y(point.1)))" r="3" fill="\#(validationColour)"/>"#)
            }
        }
        // Legend, top right inside the plot.
        let legend = (x: plot.right - 150, y: plot.top + 10)
        svg.append(#"<rect x="\#(f(legend.x))" y="\#(f(legend.y))" width="140" height="48" fill="white" fill-opacity="0.9" stroke="\#(legendBorder)"/>"#)
        svg.append(#"<line x1="\#(f(legend.x + 10))" y1="\#(f(legend.y + 16))" x2="\#(f(legend.x + 36))" y2="\#(f(legend.y + 16))" stroke="\#(trainColour)" stroke-width="2"/>"#)
        svg.append(#"<text x="\#(f(legend.x + 44))" y="\#(f(legend.y + 20))">training loss</text>"#)
        svg.append(#"<line x1="\#(f(legend.x + 10))" y1="\#(f(legend.y + 35))" x2="\#(f(legend.x + 36))" y2="\#(f(legend.y + 35))" stroke="\#(validationColour)" stroke-width="2"/>"#)
        svg.append(#"<circle cx="\#(f(legend.x + 23))" cy="\#(f(legend.y + 35))" r="3" fill="\#(validationColour)"/>"#)
        svg.append(#"<text x="\#(f(legend.x + 44))" y="\#(f(legend.y + 39))">validation loss</text>"#)
        svg.append("</svg>")
        return svg.joined(separator: "\n") + "\n"
    }

    /// Round tick values covering [low, high]: steps of 1, 2 or 5 times a power of ten, about 5 of them.
    static func ticks(_ low: Double, _ high: Double) -> [Double] {
        let high = high > low ? high : low + 1
        let rough = (high - low) / 5
        let exponent = Int(floor(log10(rough)))
        let mantissa = [1, 2, 5, 10].first { Double($0) * pow(10, Double(exponent)) >= rough } ?? 10
        // n * mantissa / 10^k rather than n * step: a decimal divided by an exact power of ten is the
        // double nearest to it (0.6, not 0.6000000000000001), so labels and tests read cleanly.
        func value(_ n: Int) -> Double {
            exponent < 0 ? Double(n * mantissa) / pow(10, Double(-exponent)) : Double(n * mantissa) * pow(10, Double(exponent))
        }
        let step = value(1)
        let first = Int(floor(low / step)), last = Int(ceil(high / step))
        return (first...last).map(value)
    }

    /// 0, 2.5, 1000, 0.05: no trailing zeros, no exponent.
    static func label(_ value: Double) -> String {
        var text = String(format: "%.4f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text == "-0" ? "0" : text
    }

    /// Text as XML character data; control characters (not allowed in XML 1.0) are dropped.
    static func escape(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.filter { $0.value >= 0x20 || $0 == "\t" }))
            .replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
