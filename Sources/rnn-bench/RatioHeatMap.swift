import Foundation

/// `rnn-bench pairs --heatmap FILE`: the median ratio (PyTorch's time over Recur's, above 1 is
/// Recur faster) of every config and backend as an SVG grid: one panel per backend, a column per
/// hidden size, a row per cell, layers, sequence length and batch (the fields of the configs, as
/// `rnn-bench sweep` writes them). Red below 1.0, amber to 1.2, green from 1.2: cliffs show at once.
struct RatioHeatMap {
    struct Point {
        let config: BenchConfig
        let backend: String
        let ratio: Double
    }

    let points: [Point]

    static func color(_ ratio: Double) -> String {
        switch ratio {
        case ..<1.0: "#e06666"
        case ..<1.2: "#f6b26b"
        case ..<2.0: "#93c47d"
        default: "#38761d"
        }
    }

    func svg() -> String {
        let backends = points.map(\.backend).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        let hidden = Set(points.map(\.config.hiddenSize)).sorted()
        struct RowKey: Hashable, Comparable {
            let mode: String, layers: Int, steps: Int, batch: Int
            static func < (a: RowKey, b: RowKey) -> Bool {
                (a.mode, a.layers, a.steps, a.batch) < (b.mode, b.layers, b.steps, b.batch)
            }
            var label: String { "\(mode) L\(layers) T\(steps) B\(batch)" }
        }
        func key(_ c: BenchConfig) -> RowKey { RowKey(mode: c.mode.rawValue, layers: c.numLayers, steps: c.steps, batch: c.batch) }
        let rows = Set(points.map { key($0.config) }).sorted()
        let cell = 44.0, rowHeight = 16.0, left = 150.0, top = 60.0
        let panelWidth = left + Double(hidden.count) * cell + 30
        let width = panelWidth * Double(max(backends.count, 1)), height = top + Double(rows.count) * rowHeight + 30
        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" font-family="sans-serif" font-size="10">
            <rect width="100%" height="100%" fill="white"/>
            <text x="10" y="18" font-size="13">PyTorch's training step time over Recur's (above 1: Recur faster); red &lt; 1.0, amber &lt; 1.2</text>

            """
        var byKey: [String: Double] = [:]
        for p in points { byKey["\(p.backend) \(p.config.name)"] = p.ratio }
        for (b, backend) in backends.enumerated() {
            let x0 = Double(b) * panelWidth
            out += "<text x=\"\(Int(x0 + left))\" y=\"36\" font-size=\"12\">\(backend)</text>\n"
            for (c, h) in hidden.enumerated() {
                out += "<text x=\"\(Int(x0 + left + Double(c) * cell + 4))\" y=\"52\">H \(h)</text>\n"
            }
            for (r, row) in rows.enumerated() {
                let y = top + Double(r) * rowHeight
                out += "<text x=\"\(Int(x0 + 6))\" y=\"\(Int(y + 11))\">\(row.label)</text>\n"
                for (c, h) in hidden.enumerated() {
                    guard let point = points.first(where: { $0.backend == backend && key($0.config) == row && $0.config.hiddenSize == h })
                    else { continue }
                    let x = x0 + left + Double(c) * cell
                    out += "<rect x=\"\(Int(x))\" y=\"\(Int(y))\" width=\"\(Int(cell - 2))\" height=\"\(Int(rowHeight - 2))\" "
                        + "fill=\"\(Self.color(point.ratio))\"/>"
                    out += "<text x=\"\(Int(x + 4))\" y=\"\(Int(y + 11))\">\(String(format: "%.2f", point.ratio))</text>\n"
                }
            }
        }
        return out + "</svg>\n"
    }
}
