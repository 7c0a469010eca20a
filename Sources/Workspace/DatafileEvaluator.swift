import Foundation
import Basics
import Rules
import Targets
import Backends

/// Compiles a Datafile against the Rules module, runs it, and returns the graph it describes — the
/// way SwiftPM loads Package.swift. Both the compiled evaluator and its output are cached under
/// `.dbuild/datafile/<key>/`, keyed by the Datafile's bytes, dbuild's version and the Rules module's
/// bytes, so an unchanged Datafile costs one file read and a decode, and never the compiler.
public struct DatafileEvaluator {
    public let datafilePath: String          // absolute
    public let cacheDirectory: String        // .dbuild/datafile
    public var timeLimitSeconds: Double = 600

    /// Where the Rules module and its static library live: beside the dbuild executable (a `swift
    /// build` tree) or in `<prefix>/lib/dbuild` (an installed copy). `DBUILD_RULES_DIR` overrides.
    public static func rulesDirectory() throws -> String {
        let environment = ProcessInfo.processInfo.environment
        var candidates: [String] = []
        if let dir = environment["DBUILD_RULES_DIR"] { candidates.append(dir) }
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().path
        candidates += [executable, executable + "/../lib/dbuild"]
        for dir in candidates where rulesFiles.allSatisfy({ FileManager.default.fileExists(atPath: dir + $0) }) {
            return dir
        }
        throw DbuildFailure.setup("cannot find the Rules module beside dbuild (looked in \(candidates.joined(separator: ", "))); "
            + "build with `swift build` so that Modules/Rules.swiftmodule and libRulesStatic.a sit next to the executable, "
            + "or set DBUILD_RULES_DIR")
    }

    /// What the evaluator is compiled against, beside dbuild: the Rules module and its library, and
    /// the library that records what evaluation reads.
    public static let rulesFiles = ["/Modules/Rules.swiftmodule", "/libRulesStatic.a", "/libDatafileTraceStatic.a"]

    /// The Datafile's graph, and the cache folder it came from (other facts derived from the graph alone
    /// may be saved there: the folder goes when the Datafile changes).
    public func load() throws -> (description: GraphDescription, cacheEntry: String) {
        guard let source = FileManager.default.contents(atPath: datafilePath) else {
            throw DbuildFailure.usage("no Datafile at \(datafilePath); create one (see README) or point to it with -f PATH")
        }
        let rules = try Self.rulesDirectory()
        let key = try cacheKey(source: source, rulesDirectory: rules)
        let entry = cacheDirectory + "/" + key
        let graphPath = entry + "/graph.bin"
        let inputsPath = entry + "/inputs"
        var previous: Previous?
        if let bytes = readFileBytes(graphPath), let graph = try? GraphDescription.decode(bytes) {
            // The graph stands while everything its evaluation read is unchanged; else it is
            // evaluated again (not compiled: only data changed), and what was derived from it goes.
            guard let inputs = EvaluationInputs.read(inputsPath), EvaluationInputs.firstChanged(inputs) != nil else {
                return (graph, entry)
            }
            previous = Previous(notes: UndeclaredProducts.read(entry), keys: UndeclaredProducts.readKeys(entry) ?? UndeclaredProducts.stepKeys(graph),
                                graph: { graph })
            // The notes of dropped steps stay until replaced, should this evaluation fail.
            for derived in (try? FileManager.default.contentsOfDirectory(atPath: entry)) ?? [] where derived != "evaluator" && derived != "undeclared" {
                unlink(entry + "/" + derived)
            }
        }
        try FileManager.default.createDirectory(atPath: entry, withIntermediateDirectories: true)
        let evaluator = entry + "/evaluator"
        if !FileManager.default.isExecutableFile(atPath: evaluator) {
            try compile(source: source, rulesDirectory: rules, into: entry)
        }
        // Staged, and cached as graph.bin only once its recipes pass `sh -n`: a refused Datafile is
        // refused again on the next run, not read from the cache.
        let staged = entry + "/graph.\(getpid()).staged"
        let trace = entry + "/reads.\(getpid()).trace"
        defer { unlink(trace) }
        try evaluate(evaluator, writing: staged, trace: trace)
        defer { unlink(staged) }
        let replaced = previous ?? previousEntry(than: key)
        guard let bytes = readFileBytes(staged) else { throw DbuildFailure.setup("cannot read \(staged)") }
        let description: GraphDescription
        do {
            description = try GraphDescription.decode(bytes)
        } catch {
            throw DbuildFailure.setup("the Datafile's evaluator wrote an unreadable graph (\(error)); delete \(entry) and run again")
        }
        let problems = RecipeSyntaxCheck.problems(in: description, datafile: datafilePath)
        if !problems.isEmpty { throw DbuildFailure.datafile(problems.joined(separator: "\n")) }
        try EvaluationInputs.write(EvaluationInputs.collect(trace: trace, root: root), to: inputsPath)
        let keys = UndeclaredProducts.stepKeys(description)
        try UndeclaredProducts.write(UndeclaredProducts.carried(notes: replaced.notes, oldKeys: replaced.keys,
                                                                oldGraph: replaced.graph, newKeys: keys), entry)
        try UndeclaredProducts.writeKeys(keys, entry)
        guard rename(staged, graphPath) == 0 else { throw DbuildFailure.setup("cannot write \(graphPath)") }
        removeOtherEntries(keeping: key)
        return (description, entry)
    }

    private func cacheKey(source: Data, rulesDirectory: String) throws -> String {
        // The Rules library by its file facts (device, inode, size, mtime), not its bytes: a rebuilt or
        // reinstalled library is a new file or a new mtime, and reading its 2.8 MB was 9 % of a
        // 10,000-step no-op (mostly page faults).
        var material = [UInt8](source)
        material.append(contentsOf: Array("\u{0}\(dbuildVersion)\u{0}".utf8))
        for file in Self.rulesFiles {
            var info = stat()
            guard stat(rulesDirectory + file, &info) == 0 else { throw DbuildFailure.setup("cannot read \(rulesDirectory + file)") }
            let facts = "\(file):\(info.st_dev):\(info.st_ino):\(info.st_size):\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)\u{0}"
            material.append(contentsOf: Array(facts.utf8))
        }
        let hash = material.withUnsafeBytes { xxh3Bytes($0) }
        return String(hash, radix: 16)
    }

    private func compile(source: Data, rulesDirectory: String, into entry: String) throws {
        // Line 1 of the Datafile stays line 1 in messages: the prologue sits above #sourceLocation.
        // The prologue starts the trace of what evaluation reads (and links the library that keeps it).
        let main = "import Rules\n@_silgen_name(\"dbuild_datafile_trace_start\") func _dbuildTraceStart()\n_dbuildTraceStart()\n"
            + "#sourceLocation(file: \"\(datafilePath)\", line: 1)\n"
            + String(decoding: source, as: UTF8.self)
            + "\n#sourceLocation()\nRules._writeDatafileGraph(to: CommandLine.arguments[1])\n"
        let mainPath = entry + "/main.\(getpid()).swift"
        try main.write(toFile: mainPath, atomically: true, encoding: .utf8)
        let temporary = entry + "/evaluator.\(getpid()).partial"   // two dbuilds may compile at once
        let swiftc = try Self.findCompiler()
        let arguments = [swiftc, "-swift-version", "5", "-diagnostic-style", "llvm", "-Onone", "-module-cache-path", Self.moduleCache(),
                         "-I", rulesDirectory + "/Modules", "-L", rulesDirectory, "-lRulesStatic", "-lDatafileTraceStatic",
                         // Its open, stat, getenv, … must be the ones Foundation's shared libraries call too.
                         "-Xlinker", "--export-dynamic",
                         "-module-name", "DatafileEvaluator", mainPath, "-o", temporary]
        let (exit, output) = try ChildProcess.run(arguments)
        guard exit.succeeded else {
            let lastLine = String(decoding: source, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).count
            throw DbuildFailure.datafile("the Datafile does not compile:\n"
                + Self.diagnostics(output, generatedFile: mainPath, datafile: datafilePath, lastLine: lastLine))
        }
        guard rename(temporary, entry + "/evaluator") == 0 else { throw DbuildFailure.setup("cannot place the evaluator in \(entry)") }
        writeCompileCommands(swiftc: swiftc, rulesDirectory: rulesDirectory)
    }

    /// The compiler's messages as they concern the Datafile. A message about the generated wrapper
    /// (an unclosed brace is only noticed after the Datafile's last line) is shown at that last line,
    /// without the wrapper's source excerpt.
    public static func diagnostics(_ output: String, generatedFile: String, datafile: String, lastLine: Int) -> String {
        var lines: [String] = []
        var skipping = false
        for line in output.split(separator: "\n", omittingEmptySubsequences: false) {
            let isHeader = line.contains(": error:") || line.contains(": warning:") || line.contains(": note:")
            if line.hasPrefix(generatedFile + ":") {
                let rest = line.dropFirst(generatedFile.count + 1).drop { $0 != " " }   // drop "LINE:COL:"
                lines.append("\(datafile):\(lastLine):1:\(rest) (at the end of the Datafile)")
                skipping = true
            } else if isHeader || !skipping {
                skipping = false
                lines.append(String(line))
            }
        }
        return lines.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `.dbuild/datafile/compile_commands.json`: how to type-check the Datafile against the Rules
    /// module, for sourcekit-lsp (completion, documentation and errors while editing;
    /// `.sourcekit-lsp/config.json`, which `dbuild init` writes, points it here). Written with the
    /// evaluator cache, even for a Datafile that does not compile (that is when an editor helps).
    /// Only a help for editors: a failure is ignored.
    private func writeCompileCommands(swiftc: String, rulesDirectory: String) {
        func quoted(_ s: String) -> String {
            "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        let arguments = [swiftc, "-module-name", "Datafile", "-I", rulesDirectory + "/Modules", datafilePath]
        let json = "[\n  {\"directory\": \(quoted(root)), \"file\": \(quoted(datafilePath)),\n   \"arguments\": ["
            + arguments.map(quoted).joined(separator: ", ") + "]}\n]\n"
        try? writeAtomically(Data(json.utf8), to: cacheDirectory + "/compile_commands.json")
    }

    /// The Datafile's folder: the evaluator runs there, and relative paths it reads are its.
    public var root: String { String(datafilePath[..<(datafilePath.lastIndex(of: "/") ?? datafilePath.startIndex)]) }

    private func evaluate(_ evaluator: String, writing graphPath: String, trace: String) throws {
        let partial = graphPath + ".\(getpid()).partial"
        let errorsPath = graphPath + ".\(getpid()).stderr"
        var environment = ProcessInfo.processInfo.environment
        environment["DBUILD_EVAL_TRACE"] = trace
        let pid = try ChildProcess.spawn([evaluator, partial], workingDirectory: root, outputPath: errorsPath, environment: environment)
        guard let exit = ChildProcess.wait(pid, atMost: timeLimitSeconds) else {
            unlink(partial)
            unlink(errorsPath)
            throw DbuildFailure.datafile("evaluating the Datafile took longer than \(Int(timeLimitSeconds)) s and was stopped; "
                + "look for a loop that never ends (the limit is DBUILD_EVAL_TIMEOUT seconds)")
        }
        let messages = (readFile(errorsPath) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        unlink(errorsPath)
        var code: Int32 = 0, signal: Int32 = 0
        switch exit {
        case .exited(let status): code = status
        case .signaled(let number): signal = number
        }
        if signal != 0 || code != 0 {
            unlink(partial)
            if signal == 0 && code == datafileErrorExitStatus { throw DbuildFailure.datafile(messages) }
            let how = signal != 0 ? "crashed (signal \(signal))" : "exited with status \(code)"
            throw DbuildFailure.datafile("evaluating the Datafile \(how)" + (messages.isEmpty ? "" : ":\n" + messages))
        }
        guard rename(partial, graphPath) == 0 else { throw DbuildFailure.setup("cannot write \(graphPath)") }
    }

    /// What the graph an evaluation replaces leaves for its successor: the steps dropped so far,
    /// the step keys, and the graph itself (decoded only if a step was dropped).
    public struct Previous {
        public var notes: [UndeclaredProducts.Entry] = []
        public var keys: [UInt64]?
        public var graph: () -> GraphDescription? = { nil }
    }

    /// The entry an edited Datafile replaces (the most recently written).
    private func previousEntry(than key: String) -> Previous {
        let others = ((try? FileManager.default.contentsOfDirectory(atPath: cacheDirectory)) ?? [])
            .filter { $0 != key && $0 != "compile_commands.json" }
            .map { (cacheDirectory + "/" + $0, modificationTime($0)) }
            .sorted { $0.1 > $1.1 }
        guard let latest = others.first?.0 else { return Previous() }
        let graph = { readFileBytes(latest + "/graph.bin").flatMap { try? GraphDescription.decode($0) } }
        return Previous(notes: UndeclaredProducts.read(latest), keys: UndeclaredProducts.readKeys(latest) ?? graph().map(UndeclaredProducts.stepKeys),
                        graph: graph)
    }

    private func modificationTime(_ name: String) -> Double {
        var info = stat()
        guard stat(cacheDirectory + "/" + name + "/graph.bin", &info) == 0 else { return 0 }
        return Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
    }

    private func removeOtherEntries(keeping key: String) {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: cacheDirectory)) ?? []
        for name in entries where name != key && name != "compile_commands.json" {
            try? FileManager.default.removeItem(atPath: cacheDirectory + "/" + name)
        }
    }

    public static func findCompiler() throws -> String {
        let environment = ProcessInfo.processInfo.environment
        if let explicit = environment["DBUILD_SWIFTC"] { return explicit }
        for dir in (environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let path = "\(dir)/swiftc"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw DbuildFailure.setup("swiftc is not on PATH; the Datafile is Swift, so dbuild needs the Swift toolchain "
            + "(or set DBUILD_SWIFTC to the compiler's path)")
    }

    /// Clang's module cache is safe to share between projects and processes; sharing it keeps a
    /// Datafile compile well under a second.
    public static func moduleCache() -> String {
        let environment = ProcessInfo.processInfo.environment
        let base = environment["XDG_CACHE_HOME"] ?? ((environment["HOME"] ?? "/tmp") + "/.cache")
        return base + "/dbuild/module-cache"
    }
}

public func xxh3Bytes(_ buffer: UnsafeRawBufferPointer) -> UInt64 {
    xxh3Raw(buffer.baseAddress, buffer.count)
}
