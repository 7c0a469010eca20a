/// An SVG of power spectra, one line per model with a band for the scatter, log–log axes. Written
/// from numbers only (no fonts or timestamps), so the same summaries give the same file.
public enum SpectrumPlot {
    public static func svg(_ series: [(name: String, summary: SpectrumSummary)], title: String) -> String {
        let width = 680.0, height = 420.0, left = 70.0, right = 190.0, top = 40.0, bottom = 50.0
        let points = series.flatMap { s in s.summary.k.indices.filter { s.summary.mean[$0] > 0 }.map { (s.summary.k[$0], s.summary.mean[$0]) } }
        guard !points.isEmpty else {
            return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"640\" height=\"80\"><text x=\"10\" y=\"40\">no data</text></svg>\n"
        }
        let lx = points.map { log10($0.0) }, ly = points.map { log10($0.1) }
        let x0 = floor(lx.min()!), x1 = ceil(max(lx.max()!, x0 + 1)), y0 = floor(ly.min()!), y1 = ceil(max(ly.max()!, y0 + 1))
        func px(_ k: Double) -> String { fixed(left + (log10(k) - x0) / (x1 - x0) * (width - left - right), 1) }
        func py(_ p: Double) -> String { fixed(top + (y1 - log10(p)) / (y1 - y0) * (height - top - bottom), 1) }
        let colors = ["#1b6ac9", "#d0442f", "#2e9e44", "#8a4fbf", "#c98a12", "#555555"]
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"sans-serif\" font-size=\"12\">\n"
        svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        svg += "<text x=\"\(Int(left))\" y=\"24\" font-size=\"15\">\(title)</text>\n"
        let plotRight = width - right, plotBottom = height - bottom
        svg += "<rect x=\"\(Int(left))\" y=\"\(Int(top))\" width=\"\(Int(plotRight - left))\" height=\"\(Int(plotBottom - top))\" fill=\"none\" stroke=\"#333\"/>\n"
        for e in Int(x0)...Int(x1) {
            let x = px(pow(10, Double(e)))
            svg += "<line x1=\"\(x)\" y1=\"\(Int(plotBottom))\" x2=\"\(x)\" y2=\"\(Int(plotBottom) + 5)\" stroke=\"#333\"/><text x=\"\(x)\" y=\"\(Int(plotBottom) + 18)\" text-anchor=\"middle\">10^\(e)</text>\n"
        }
        for e in Int(y0)...Int(y1) {
            let y = py(pow(10, Double(e)))
            svg += "<line x1=\"\(Int(left) - 5)\" y1=\"\(y)\" x2=\"\(Int(left))\" y2=\"\(y)\" stroke=\"#333\"/><text x=\"\(Int(left) - 8)\" y=\"\(y)\" text-anchor=\"end\" dominant-baseline=\"middle\">10^\(e)</text>\n"
        }
        svg += "<text x=\"\(fixed((left + plotRight) / 2, 1))\" y=\"\(Int(height) - 12)\" text-anchor=\"middle\">multipole k (fundamental modes)</text>\n"
        svg += "<text x=\"16\" y=\"\(fixed((top + plotBottom) / 2, 1))\" transform=\"rotate(-90 16 \(fixed((top + plotBottom) / 2, 1)))\" text-anchor=\"middle\">convergence power P(k)</text>\n"
        for (i, s) in series.enumerated() {
            let color = colors[i % colors.count]
            let valid = s.summary.k.indices.filter { s.summary.mean[$0] > 0 }
            let upper = valid.map { "\(px(s.summary.k[$0])),\(py(s.summary.mean[$0] + s.summary.scatter[$0]))" }
            let lower = valid.reversed().map { "\(px(s.summary.k[$0])),\(py(max(s.summary.mean[$0] - s.summary.scatter[$0], s.summary.mean[$0] / 10)))" }
            svg += "<polygon points=\"\((upper + lower).joined(separator: " "))\" fill=\"\(color)\" fill-opacity=\"0.15\" stroke=\"none\"/>\n"
            svg += "<polyline points=\"\(valid.map { "\(px(s.summary.k[$0])),\(py(s.summary.mean[$0]))" }.joined(separator: " "))\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"/>\n"
            let ly = Int(top) + 16 + 20 * i
            svg += "<line x1=\"\(Int(plotRight) + 14)\" y1=\"\(ly)\" x2=\"\(Int(plotRight) + 38)\" y2=\"\(ly)\" stroke=\"\(color)\" stroke-width=\"2\"/><text x=\"\(Int(plotRight) + 44)\" y=\"\(ly)\" dominant-baseline=\"middle\">\(s.name) (\(s.summary.runs) maps)</text>\n"
        }
        return svg + "</svg>\n"
    }
}

#if canImport(Glibc)
import Glibc
#endif
