import Foundation

/// `rnn-bench run --chart FILE`: an SVG a person can open, one group of horizontal bars per config,
/// one bar per backend (and PyTorch with `--compare`): training steps per second relative to the
/// fastest of the group, labelled with the milliseconds, so that configs of any size share one scale.
struct ComparisonChart {
    let groups: [ConfigGroup]
    let peer: PeerResults?

    private static let colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd"]

    func svg() -> String {
        let series = (groups.first?.rows.map(\.backend) ?? []) + (peer == nil ? [] : ["pytorch"])
        let barHeight = 14.0, gap = 10.0, left = 150.0, width = 460.0
        let groupHeight = Double(series.count) * barHeight + gap
        let top = 50.0, height = top + Double(groups.count) * groupHeight + 40
        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(left + width + 120))" height="\(Int(height))" \
            font-family="sans-serif" font-size="11">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(Int(left))" y="20" font-size="14">Training step speed, relative to the fastest per config</text>

            """
        for (s, name) in series.enumerated() {
            let x = left + Double(s) * 110
            out += "<rect x=\"\(Int(x))\" y=\"30\" width=\"10\" height=\"10\" fill=\"\(Self.colors[s % 4])\"/>"
            out += "<text x=\"\(Int(x) + 14)\" y=\"39\">\(name)</text>\n"
        }
        for (g, group) in groups.enumerated() {
            var times = group.rows.map(\.train.median)
            if let peer, let row = peer.row(named: group.config.name) { times.append(row.trainMs) }
            let fastest = times.min() ?? 1
            let y0 = top + Double(g) * groupHeight
            out += "<text x=\"\(Int(left) - 8)\" y=\"\(Int(y0 + Double(times.count) * barHeight / 2) + 4)\" text-anchor=\"end\">\(group.config.name)</text>\n"
            for (s, ms) in times.enumerated() {
                let w = width * fastest / ms
                let y = y0 + Double(s) * barHeight
                out += "<rect x=\"\(Int(left))\" y=\"\(Int(y))\" width=\"\(String(format: "%.1f", w))\" height=\"\(Int(barHeight) - 2)\" fill=\"\(Self.colors[s % 4])\"/>"
                out += "<text x=\"\(Int(left + w) + 4)\" y=\"\(Int(y) + 10)\">\(Table.figure(ms)) ms</text>\n"
            }
        }
        out += "<line x1=\"\(Int(left))\" y1=\"\(Int(top) - 4)\" x2=\"\(Int(left))\" y2=\"\(Int(height) - 36)\" stroke=\"black\"/>\n"
        out += "<text x=\"\(Int(left))\" y=\"\(Int(height) - 16)\">bar length: the fastest step time of the config over this one's (1 = fastest)</text>\n"
        out += "</svg>\n"
        return out
    }

    /// The SVG file's bytes.
    func svgData() -> Data { Data(svg().utf8) }
}
