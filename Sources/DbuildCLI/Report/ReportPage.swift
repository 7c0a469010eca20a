import Foundation
import Workspace
import Targets

/// The report as one self-contained HTML page: inline CSS, inline SVG, a few lines of inline script
/// and the numbers as embedded JSON — nothing fetched from the network.
enum ReportPage {
    static let colors: [ReportShade: String] = [
        .complete: "#3a9a4f", .missing: "#c9c9c9", .broken: "#e08a1e", .running: "#3b7dd8", .failed: "#d0342c",
    ]

    /// `reloadEvery`: the page reloads itself (`report --watch` rewrites it).
    static func html(_ data: ReportData, reloadEvery: Int? = nil) -> String {
        let totals = data.totals
        let counts = ReportShade.allCases.map { "\"\($0.rawValue)\":\(totals[$0] ?? 0)" }.joined(separator: ",")
        return """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>dbuild report</title>\(reloadEvery.map { "<meta http-equiv=\"refresh\" content=\"\($0)\">" } ?? "")
        <style>
        body{font-family:sans-serif;margin:24px;color:#222;max-width:1100px}
        h1{font-size:22px;margin-bottom:4px} h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd}
        .muted{color:#777;font-size:13px} table{border-collapse:collapse;font-size:13px}
        td,th{border:1px solid #ddd;padding:3px 7px;text-align:right} th{background:#f4f4f4}
        .legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:middle}
        pre{background:#f7f7f7;padding:8px;font-size:12px;overflow-x:auto} .cell{font-size:11px;color:white;text-align:center}
        #summary span{margin-right:16px;font-weight:bold}
        </style></head><body data-status="loading">
        <h1>dbuild report</h1>
        <div class="muted">\(escape(data.project)) — \(escape(ISO8601DateFormatter().string(from: data.generatedAt)))</div>
        <p id="summary"></p>
        <h2>Rules</h2>
        \(ruleGraphSVG(data.ruleGraph))
        <h2>Completeness: \(escape(data.rowComponent)) × \(escape(data.columnComponent))</h2>
        \(legend())
        \(heatmapTable(data))
        <h2>Last build</h2>
        \(timelineSVG(data.runs))
        <h2>Slowest steps</h2>
        \(slowestTable(data.runs))
        <h2>Core-hours used</h2>
        \(coreHoursTable(data.coreHours))
        <h2>Failures</h2>
        \(failureBlocks(data))
        <script type="application/json" id="counts">{\(counts)}</script>
        <script>
        (function () {
          var counts = JSON.parse(document.getElementById('counts').textContent);
          var total = 0, parts = [];
          for (var k in counts) { total += counts[k]; }
          parts.push('<span id="total">' + total + ' steps</span>');
          for (var k in counts) { parts.push('<span id="' + k + '">' + counts[k] + ' ' + k + '</span>'); }
          document.getElementById('summary').innerHTML = parts.join('');
          document.body.setAttribute('data-status', 'ok');
        })();
        </script>
        </body></html>

        """
    }

    /// Per rule: recorded runs and the core-hours they used (run time × the rule's cores).
    static func coreHoursTable(_ used: CoreHoursUsed) -> String {
        guard !used.rows.isEmpty else { return "<p class=\"muted\">No recorded runs yet.</p>" }
        func hours(_ h: Double) -> String { String(format: "%.2f", h) }
        let rows = used.rows.map { "<tr><td style=\"text-align:left\">\(escape($0.rule))</td><td>\($0.runs)</td><td>\(hours($0.coreHours))</td></tr>" }
        return "<table id=\"core-hours\"><tr><th>rule</th><th>runs</th><th>core-hours</th></tr>" + rows.joined()
            + "<tr><th style=\"text-align:left\">total</th><th>\(used.rows.reduce(0) { $0 + $1.runs })</th><th>\(hours(used.total))</th></tr></table>"
            + "<p class=\"muted\">Run time of every recorded run, failed ones included, × the cores one step of the rule holds.</p>"
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func legend() -> String {
        "<div class=\"legend\">" + ReportShade.allCases.map { "<span style=\"background:\(colors[$0]!)\"></span>\($0.rawValue)" }.joined() + "</div>"
    }

    /// Rules placed in layers by their longest path from a source, left to right.
    static func ruleGraphSVG(_ g: RuleGraph) -> String {
        var layer = [Int](repeating: 0, count: g.nodes.count)
        for _ in 0..<g.nodes.count { for e in g.edges { layer[e.to] = max(layer[e.to], layer[e.from] + 1) } }
        var slots: [Int: Int] = [:]
        var position: [(x: Double, y: Double)] = []
        for i in g.nodes.indices {
            let slot = slots[layer[i], default: 0]
            slots[layer[i]] = slot + 1
            position.append((10 + Double(layer[i]) * 165, 20 + Double(slot) * 70))
        }
        let width = Int((position.map(\.x).max() ?? 0) + 125), height = Int((position.map(\.y).max() ?? 0) + 60)
        var svg = "<svg id=\"rules\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(width) \(height)\" style=\"max-width:100%;width:\(width)px\" font-size=\"12\">"
        svg += "<defs><marker id=\"arrow\" markerWidth=\"8\" markerHeight=\"8\" refX=\"7\" refY=\"4\" orient=\"auto\"><path d=\"M0,0 L8,4 L0,8 z\" fill=\"#555\"/></marker></defs>"
        for e in g.edges {
            let a = position[e.from], b = position[e.to]
            svg += "<line x1=\"\(a.x + 110)\" y1=\"\(a.y + 23)\" x2=\"\(b.x - 2)\" y2=\"\(b.y + 23)\" stroke=\"#555\" marker-end=\"url(#arrow)\"/>"
            svg += "<text x=\"\((a.x + 110 + b.x) / 2)\" y=\"\((a.y + b.y) / 2 + 16)\" text-anchor=\"middle\" fill=\"#555\" font-size=\"9\">\(e.shape.rawValue)</text>"
        }
        for (i, n) in g.nodes.enumerated() {
            let p = position[i]
            let fill = n.stale == 0 ? "#e6f4e9" : "#fdf1e0"
            svg += "<rect x=\"\(p.x)\" y=\"\(p.y)\" width=\"110\" height=\"46\" rx=\"6\" fill=\"\(fill)\" stroke=\"#888\"/>"
            svg += "<text x=\"\(p.x + 55)\" y=\"\(p.y + 19)\" text-anchor=\"middle\" font-weight=\"bold\">\(escape(n.rule))</text>"
            svg += "<text x=\"\(p.x + 55)\" y=\"\(p.y + 36)\" text-anchor=\"middle\" font-size=\"11\">\(n.steps) step\(n.steps == 1 ? "" : "s"), \(n.stale) stale</text>"
        }
        return svg + "</svg>"
    }

    static func heatmapTable(_ data: ReportData) -> String {
        guard let first = data.heatmap.first else { return "<p class=\"muted\">No rule has these name components.</p>" }
        var html = "<table id=\"heatmap\"><tr><th>\(escape(data.rowComponent)) \\ \(escape(data.columnComponent))</th>"
        html += first.cells.map { "<th>\(escape($0.column))</th>" }.joined() + "</tr>"
        for row in data.heatmap {
            html += "<tr><th>\(escape(row.row))</th>"
            for cell in row.cells {
                let total = cell.counts.values.reduce(0, +)
                // The worst condition present colours the cell.
                let worst = [ReportShade.failed, .broken, .running, .missing, .complete].first { (cell.counts[$0] ?? 0) > 0 }
                let title = ReportShade.allCases.compactMap { c in cell.counts[c].map { "\($0) \(c.rawValue)" } }.joined(separator: ", ")
                html += "<td class=\"cell\" title=\"\(title)\" style=\"background:\(worst.map { colors[$0]! } ?? "#fff")\">"
                    + "\(cell.counts[.complete] ?? 0)/\(total)</td>"
            }
            html += "</tr>"
        }
        return html + "</table>"
    }

    static func timelineSVG(_ runs: [StepRun]) -> String {
        guard let start = runs.map(\.startedAt).min(), let end = runs.map(\.finishedAt).max() else {
            return "<p class=\"muted\">No build recorded yet.</p>"
        }
        var lanes: [String] = []
        for run in runs where !lanes.contains(run.rule) { lanes.append(run.rule) }
        let span = max(end - start, 0.001), width = 900.0, left = 90.0
        let hosts = Set(runs.map(\.host)).sorted().joined(separator: ", ")
        var svg = "<div class=\"muted\">\(runs.count) steps in \(String(format: "%.2f", end - start)) s on \(escape(hosts))</div>"
        svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width + left + 20))\" height=\"\(lanes.count * 26 + 30)\" font-size=\"11\">"
        for (i, lane) in lanes.enumerated() {
            svg += "<text x=\"0\" y=\"\(i * 26 + 17)\">\(escape(lane))</text>"
            svg += "<line x1=\"\(left)\" y1=\"\(i * 26 + 22)\" x2=\"\(left + width)\" y2=\"\(i * 26 + 22)\" stroke=\"#eee\"/>"
        }
        for run in runs {
            let lane = lanes.firstIndex(of: run.rule)!
            let x = left + (run.startedAt - start) / span * width
            let w = max(1.5, (run.finishedAt - run.startedAt) / span * width)
            let color = run.outcome == "done" ? "#3a9a4f" : "#d0342c"
            svg += "<rect x=\"\(String(format: "%.1f", x))\" y=\"\(lane * 26 + 6)\" width=\"\(String(format: "%.1f", w))\" height=\"14\" fill=\"\(color)\" fill-opacity=\"0.7\">"
                + "<title>\(escape(run.name)) \(String(format: "%.2f", run.finishedAt - run.startedAt)) s on \(escape(run.host))</title></rect>"
        }
        svg += "<text x=\"\(left)\" y=\"\(lanes.count * 26 + 24)\">0 s</text><text x=\"\(left + width)\" y=\"\(lanes.count * 26 + 24)\" text-anchor=\"end\">\(String(format: "%.1f", span)) s</text>"
        return svg + "</svg>"
    }

    static func slowestTable(_ runs: [StepRun]) -> String {
        let slowest = runs.sorted { ($0.finishedAt - $0.startedAt) > ($1.finishedAt - $1.startedAt) }.prefix(10)
        guard !slowest.isEmpty else { return "<p class=\"muted\">No build recorded yet.</p>" }
        return "<table id=\"slowest\"><tr><th>step</th><th>seconds</th><th>host</th><th>outcome</th></tr>"
            + slowest.map { "<tr><td style=\"text-align:left\">\(escape($0.name))</td><td>\(String(format: "%.2f", $0.finishedAt - $0.startedAt))</td><td>\(escape($0.host))</td><td>\($0.outcome)</td></tr>" }.joined()
            + "</table>"
    }

    static func failureBlocks(_ data: ReportData) -> String {
        guard !data.failures.isEmpty else { return "<p id=\"failures\" class=\"muted\">None.</p>" }
        return "<div id=\"failures\">" + data.failures.map { f in
            "<h3 style=\"font-size:14px\">\(escape(f.name))</h3><div>\(escape(f.message)) — log: <code>\(escape(f.log))</code></div>"
                + "<pre>\(escape(f.excerpt.joined(separator: "\n")))</pre>"
        }.joined() + "</div>"
    }
}
