import Foundation
import Testing

/// Issue 13, first part: whatever a Datafile's evaluation reads is an input of the graph. The
/// evaluator records the files it opens, the paths it looks at, the folders it lists and the
/// variables it asks for; the cached graph is used only while all of them are unchanged. Each
/// Datafile here appends to evaluations.log when evaluated (a write, which is not a read).
@Suite struct EvaluationInputsTests {
    static let catalogDatafile = """
        import Rules
        import Glibc

        // stars.txt: "name magnitude" per line.
        var stars: [String] = []
        var magnitude: [String: String] = [:]
        if let file = fopen("stars.txt", "r") {
            var line: UnsafeMutablePointer<CChar>? = nil
            var capacity = 0
            while getline(&line, &capacity, file) > 0 {
                let words = String(cString: line!).split(whereSeparator: { $0 == " " || $0 == "\\n" }).map(String.init)
                if words.count == 2 { stars.append(words[0]); magnitude[words[0]] = words[1] }
            }
            fclose(file)
        }
        if let log = fopen("evaluations.log", "a") { fputs("evaluated\\n", log); fclose(log) }

        Rule("fit", over: ["star": stars]) { s in
            s.outputs = ["fits/\\(s.star).txt"]
            s.recipe = "echo {star} \\(magnitude[s.star]!) > {output}"
        }
        """

    func evaluations(_ s: Scenario) -> Int { (s.read("evaluations.log") ?? "").split(separator: "\n").count }

    @Test func aStarCatalogDrivesTheGraphAndAnUnchangedOneIsNeverEvaluatedAgain() throws {
        let s = try Scenario("empty")
        try s.write("stars.txt", "vega 0.03\naltair 0.77\ndeneb 1.25\n")
        try s.write("Datafile", Self.catalogDatafile)
        #expect(try s.dbuild("all", "-q").stdout.contains("3 run"))
        #expect(evaluations(s) == 1)
        #expect(try s.dbuild("all", "-q").stdout.contains("0 run, 3 up to date"))
        try s.touch("stars.txt")
        #expect(try s.dbuild("all", "-n").stdout.contains("Nothing to do"), "touched, not changed")
        #expect(evaluations(s) == 1, "an unchanged catalog is never evaluated again")

        try s.write("stars.txt", "vega 0.03\naltair 0.77\ndeneb 1.25\nrigel 0.13\nsirius -1.46\n")
        let grown = try s.dbuild("all")
        #expect(grown.stdout.contains("2 run, 3 up to date"), "exactly the new stars: \(grown.stdout)")
        #expect(Scenario.stepsRun(grown) == ["fit/rigel", "fit/sirius"])
        #expect(evaluations(s) == 2)

        try s.write("stars.txt", "vega 0.03\naltair 0.77\nrigel 0.13\nsirius -1.46\n")
        let shrunk = try s.dbuild("all")
        #expect(shrunk.stdout.contains("0 run, 4 up to date"), "\(shrunk.stdout)")
        #expect(s.read("fits/deneb.txt") == "deneb 1.25\n", "a removed row's product is never deleted")
        let listed = try s.dbuild("list")
        #expect(listed.stdout.contains("1 recorded step is no longer declared by the Datafile (their products are kept, untouched): fit/deneb"),
                "\(listed.stdout)")
        #expect(try s.dbuild("verify").stdout.contains("no longer declared by the Datafile"))

        try s.write("stars.txt", "vega 0.03\naltair 0.80\nrigel 0.13\nsirius -1.46\n")
        let plan = try s.dbuild("all", "-n")
        #expect(plan.stdout.contains("fit/altair") && plan.stdout.contains("recipe changed"), "\(plan.stdout)")
        let changed = try s.dbuild("all")
        #expect(Scenario.stepsRun(changed) == ["fit/altair"], "only the star whose value changed: \(changed.stdout)")
        #expect(s.read("fits/altair.txt") == "altair 0.80\n")
        #expect(evaluations(s) == 4)

        // Removed on request only: what a dropped step made, as dbuild made it; a product changed by
        // hand since is kept and said.
        try s.write("stars.txt", "vega 0.03\naltair 0.80\nrigel 0.13\n")
        #expect(try s.dbuild("all", "-q").stdout.contains("0 run, 3 up to date"))
        try s.write("fits/sirius.txt", "sirius, annotated by hand\n")
        let kept = ["fits/vega.txt", "fits/altair.txt", "fits/rigel.txt", "fits/sirius.txt"]
        let before = kept.map { s.read($0) }
        let refused = try s.dbuild("clean", "--undeclared")
        #expect(refused.status != 0 && s.exists("fits/deneb.txt"), "not at a terminal: nothing removed without --yes")
        let cleaned = try s.dbuild("clean", "--undeclared", "--yes")
        #expect(cleaned.status == 0 && cleaned.stdout.contains("Removed 1 file of 1 step."), "\(cleaned.stdout)\(cleaned.stderr)")
        #expect(cleaned.stdout.contains("Kept fits/sirius.txt (changed since fit/sirius made it)"), "\(cleaned.stdout)")
        #expect(!s.exists("fits/deneb.txt"))
        #expect(kept.map { s.read($0) } == before)
        let afterClean = try s.dbuild("list").stdout
        #expect(afterClean.contains("no longer declared") && afterClean.contains("fit/sirius") && !afterClean.contains("fit/deneb"), "\(afterClean)")
    }

    @Test func aFolderListingAndAnEnvironmentVariableAreInputsToo() throws {
        let s = try Scenario("empty")
        try s.write("raw/a.fits", "a")
        try s.write("raw/b.fits", "b")
        try s.write("Datafile", """
            import Rules
            import Foundation

            let raws = ((try? FileManager.default.contentsOfDirectory(atPath: "raw")) ?? []).filter { $0.hasSuffix(".fits") }.sorted()
            let label = getenv("SURVEY_LABEL").map { String(cString: $0) } ?? "none"
            if let log = fopen("evaluations.log", "a") { fputs("evaluated\\n", log); fclose(log) }

            Rule("reduce", over: ["raw": raws.map { String($0.dropLast(5)) }]) { s in
                s.inputs = ["raw/\\(s.raw).fits"]
                s.outputs = ["red/\\(s.raw).txt"]
                s.recipe = "echo {raw} \\(label) > {output}"
            }
            """)
        #expect(try s.dbuild("all", "-q").stdout.contains("2 run"))
        try s.write("raw/c.fits", "c")
        let listed = try s.dbuild("all")
        #expect(Scenario.stepsRun(listed) == ["reduce/c"], "a new file in the listed folder: \(listed.stdout)")
        #expect(evaluations(s) == 2)
        let labelled = try s.run(["all"], environment: ["SURVEY_LABEL": "deep"])
        #expect(Scenario.stepsRun(labelled) == ["reduce/a", "reduce/b", "reduce/c"], "the variable changed every recipe")
        #expect(s.read("red/a.txt") == "a deep\n")
        #expect(try s.run(["all", "-q"], environment: ["SURVEY_LABEL": "deep"]).stdout.contains("0 run"))
        #expect(evaluations(s) == 3, "the same value: not evaluated again")
    }
}

extension EvaluationInputsTests {
    /// The Rules helpers: lines of a target list, rows of a CSV, a glob, a variable with a default —
    /// each read is recorded, so changing each once reruns exactly what it feeds.
    @Test func theHelpersReadTargetListsTablesGlobsAndVariables() throws {
        let s = try Scenario("empty")
        try s.write("targets.txt", "# targets\nm31\nm33\n\n")
        try s.write("clusters.csv", "name,z\nA,0.1\nB,0.2\n")
        try s.write("raw/a.fits", "a")
        try s.write("raw/b.fits", "b")
        try s.write("Datafile", """
            import Rules
            import Glibc
            let targets = lines(of: "targets.txt")
            let clusters = rows(of: "clusters.csv")
            let raws = glob("raw/*.fits")
            let label = environment("SURVEY", default: "wide")
            if let log = fopen("evaluations.log", "a") { fputs("evaluated\\n", log); fclose(log) }
            Rule("t", over: ["target": targets]) { s in
                s.outputs = ["t/\\(s.target).txt"]
                s.recipe = "echo {target} \\(label) > {output}"
            }
            Rule("c", over: ["cluster": clusters.map { $0["name"]! }]) { s in
                s.outputs = ["c/\\(s.cluster).txt"]
                s.recipe = "echo {cluster} \\(clusters.first { $0["name"] == s.cluster }!["z"]!) > {output}"
            }
            Rule("r", over: ["raw": raws.map { String($0.dropFirst(4).dropLast(5)) }]) { s in
                s.inputs = ["raw/\\(s.raw).fits"]
                s.outputs = ["r/\\(s.raw).txt"]
                s.recipe = "echo {raw} > {output}"
            }
            """)
        #expect(try s.dbuild("all", "-q").stdout.contains("6 run"))
        #expect(s.read("t/m31.txt") == "m31 wide\n" && s.read("c/B.txt") == "B 0.2\n")
        try s.write("targets.txt", "# targets\nm31\nm33\nm51\n")
        #expect(Scenario.stepsRun(try s.dbuild("all")) == ["t/m51"])
        try s.write("clusters.csv", "name,z\nA,0.1\nB,0.25\n")
        #expect(Scenario.stepsRun(try s.dbuild("all")) == ["c/B"])
        try s.write("raw/c.fits", "c")
        #expect(Scenario.stepsRun(try s.dbuild("all")) == ["r/c"], "a new file the glob matches")
        #expect(Scenario.stepsRun(try s.run(["all"], environment: ["SURVEY": "deep"])) == ["t/m31", "t/m33", "t/m51"])
        #expect(evaluations(s) == 5)
        #expect(try s.run(["all", "-q"], environment: ["SURVEY": "deep"]).stdout.contains("0 run"))
        #expect(evaluations(s) == 5, "nothing changed: not evaluated")
        try s.remove("targets.txt")
        let missing = try s.dbuild("all")
        #expect(missing.status == 2 && missing.stderr.contains("Datafile:3: error: cannot read targets.txt"), "\(missing.stderr)")
    }
}

extension EvaluationInputsTests {
    /// An archive's inventory as the parameter source: a SQLite query; a row added to the database
    /// adds exactly its step.
    @Test func aSQLiteQueryIsAParameterSourceAndARowAddedRunsOnlyItsStep() throws {
        let s = try Scenario("empty")
        func sql(_ statement: String) throws {
            #expect(try runTool("/usr/bin/env", ["sqlite3", s.path + "/inventory.db", statement]).status == 0)
        }
        try sql("CREATE TABLE observations(obsid TEXT, night TEXT); INSERT INTO observations VALUES ('o1','2024-01-01'),('o2','2024-01-02');")
        try s.write("Datafile", """
            import Rules
            import Glibc
            let observations = query(sqlite: "inventory.db", "SELECT obsid, night FROM observations ORDER BY obsid")
            if let log = fopen("evaluations.log", "a") { fputs("evaluated\\n", log); fclose(log) }
            Rule("reduce", over: ["obs": observations.map { $0["obsid"]! }]) { s in
                s.outputs = ["l2/\\(s.obs).txt"]
                s.recipe = "echo {obs} \\(observations.first { $0["obsid"] == s.obs }!["night"]!) > {output}"
            }
            """)
        #expect(try s.dbuild("all", "-q").stdout.contains("2 run"))
        #expect(try s.dbuild("all", "-q").stdout.contains("0 run, 2 up to date"))
        #expect(evaluations(s) == 1)
        try sql("INSERT INTO observations VALUES ('o3','2024-01-03');")
        #expect(Scenario.stepsRun(try s.dbuild("all")) == ["reduce/o3"])
        #expect(s.read("l2/o3.txt") == "o3 2024-01-03\n")
        try s.write("Datafile", (s.read("Datafile") ?? "").replacingOccurrences(of: "FROM observations", with: "FROM observatons"))
        let refused = try s.dbuild("all")
        #expect(refused.status == 2 && refused.stderr.contains("no such table: observatons"), "\(refused.stderr)")
    }
}

extension EvaluationInputsTests {
    /// A graph that grows as steps make data: `split` writes the chunk list the Datafile reads; one
    /// `dbuild all` from scratch builds split, evaluates again and builds every fit; a grown catalog
    /// re-splits and builds only the new chunk's fit.
    @Test func aGraphGrowsAsItsStepsMakeTheDataItIsDeclaredFrom() throws {
        let s = try Scenario("empty")
        try s.write("catalog.txt", "a\nb\nc\nd\ne\nf\n")
        try s.write("Datafile", """
            import Rules
            // split writes one chunk file per 2 catalog rows, and the list of chunks; one fit per chunk.
            let chunks = lines(of: "chunks.txt", whenMissing: [])
            Rule("split") { s in
                s.inputs = ["catalog.txt"]
                s.outputs = ["chunks.txt"]
                s.recipe = "mkdir -p chunks; split -l 2 -d {input} chunks/c; ls chunks > {output}"
            }
            Rule("fit", over: ["chunk": chunks]) { s in
                s.inputs = ["chunks/\\(s.chunk)"]
                s.outputs = ["fits/\\(s.chunk).txt"]
                s.recipe = "wc -l < {input} > {output}"
            }
            .staleness(.hash)
            """)
        let plan = try s.dbuild("all", "-n")
        #expect(plan.stdout.contains("not known yet: the Datafile reads chunks.txt, which split makes"), "\(plan.stdout)")
        let first = try s.dbuild("all")
        #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
        #expect(Scenario.stepsRun(first) == ["split", "fit/c00", "fit/c01", "fit/c02"], "one command: \(first.stdout)")
        #expect(s.read("fits/c02.txt")?.trimmingCharacters(in: .whitespaces) == "2\n")
        #expect(try s.dbuild("all", "-q").stdout.contains("0 run, 4 up to date"))
        try s.write("catalog.txt", "a\nb\nc\nd\ne\nf\ng\n")
        let grown = try s.dbuild("all")
        #expect(Scenario.stepsRun(grown) == ["split", "fit/c03"], "only the new chunk's fit: \(grown.stdout)")
    }
}

extension EvaluationInputsTests {
    /// A mock campaign configured in JSON: a seed added to the configuration adds its step.
    @Test func aJSONConfigurationIsAParameterSource() throws {
        let s = try Scenario("empty")
        try s.write("campaign.json", #"{"box": {"size": 512}, "seeds": [1, 2]}"#)
        try s.write("Datafile", """
            import Rules
            let campaign = config(of: "campaign.json")
            Rule("mock", over: ["seed": campaign["seeds"].strings]) { s in
                s.outputs = ["mocks/\\(s.seed).txt"]
                s.recipe = "echo box \\(campaign["box"]["size"].string!) seed {seed} > {output}"
            }
            """)
        #expect(try s.dbuild("all", "-q").stdout.contains("2 run"))
        #expect(s.read("mocks/2.txt") == "box 512 seed 2\n")
        try s.write("campaign.json", #"{"box": {"size": 512}, "seeds": [1, 2, 3]}"#)
        #expect(Scenario.stepsRun(try s.dbuild("all")) == ["mock/3"])
        try s.write("campaign.json", #"{"box": {"size": 512}, "seeds": [1, 2, 3"#)
        let broken = try s.dbuild("all")
        #expect(broken.status == 2 && broken.stderr.contains("campaign.json is not valid JSON"), "\(broken.stderr)")
    }
}
