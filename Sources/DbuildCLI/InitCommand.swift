import ArgumentParser
import Foundation
import Workspace

/// `dbuild init`: writes a small commented Datafile to start from (never over an existing one).
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "init", abstract: "Write a starting Datafile in this folder.")

    @Option(name: [.customShort("f"), .long], help: ArgumentHelp("Where to write it (default: ./Datafile).", valueName: "path"))
    var datafile = "Datafile"

    func run() throws {
        guard !FileManager.default.fileExists(atPath: datafile) else {
            throw DbuildFailure.usage("\(datafile) already exists; dbuild init writes a new Datafile only where there is none "
                + "(move it aside, or name another path with -f)")
        }
        // `Datafile` and `Datafile.swift` are one file under two names: a second would silently win.
        let folder = (datafile as NSString).deletingLastPathComponent
        let name = (datafile as NSString).lastPathComponent
        if ["Datafile", "Datafile.swift"].contains(name) {
            let other = (folder.isEmpty ? "" : folder + "/") + (name == "Datafile" ? "Datafile.swift" : "Datafile")
            if FileManager.default.fileExists(atPath: other) {
                throw DbuildFailure.usage("\(other) is already this folder's Datafile (dbuild reads either name); "
                    + "a new \(datafile) beside it would take its place — edit \(other), or move it aside first")
            }
        }
        guard FileManager.default.createFile(atPath: datafile, contents: Data(Self.template.utf8)) else {
            throw DbuildFailure.setup("cannot write \(datafile): \(String(cString: strerror(errno)))")
        }
        print("Wrote \(datafile): two rules over a parameter list in targets.txt. `dbuild all -n` shows the plan; "
              + "`dbuild all` builds it.")
        // sourcekit-lsp (VS Code's Swift extension, Neovim, Emacs) finds the Datafile's compile
        // command in .dbuild/datafile, where each evaluation writes it.
        if !FileManager.default.fileExists(atPath: ".sourcekit-lsp/config.json") {
            try? FileManager.default.createDirectory(atPath: ".sourcekit-lsp", withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: ".sourcekit-lsp/config.json",
                                           contents: Data("{\"compilationDatabase\": {\"searchPaths\": [\".dbuild/datafile\"]}}\n".utf8))
        }
        Self.ignoreDbuildsFiles(in: folder.isEmpty ? "." : folder)
        if !FileManager.default.fileExists(atPath: "targets.txt") {
            _ = FileManager.default.createFile(atPath: "targets.txt", contents: Data("# one target per line\nm31\nm33\n".utf8))
        }
    }

    /// dbuild's own files (state, caches, staging, logs) are not for version control: `.gitignore`
    /// gets them, added to one that exists, written when there is none.
    static func ignoreDbuildsFiles(in folder: String) {
        let path = folder + "/.gitignore"
        let existing = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        let lines = Set(existing.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) })
        let missing = [".dbuild/", "logs/"].filter { !lines.contains($0) && !lines.contains(String($0.dropLast())) && !lines.contains("/" + $0) }
        guard !missing.isEmpty else { return }
        let text = (existing.isEmpty || existing.hasSuffix("\n") ? "" : "\n")
            + "# dbuild's state, caches and logs (products are yours to decide)\n" + missing.joined(separator: "\n") + "\n"
        if let handle = FileHandle(forWritingAtPath: path) {
            handle.seekToEndOfFile()
            handle.write(Data(text.utf8))
            try? handle.close()
        } else {
            _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        }
    }

    static let template = """
        // A Datafile: Swift that declares data products and the rules that make them (see README).
        // `dbuild all` makes what is missing or stale; `dbuild all -n` shows what it would run, and why.
        import Rules

        // Parameters may live in data: when targets.txt changes, dbuild evaluates this file again.
        let targets = lines(of: "targets.txt")

        // One step per target: `{target}` is the step's parameter, `{output}` its output (shell-quoted).
        Rule("measure", over: ["target": targets]) { s in
            s.outputs = ["measurements/\\(s.target).txt"]
            s.recipe = "echo measuring {target} > {output}"
        }
        .resources(cpus: 1, memory: "1G", time: "10m")      // what one step needs (locally and on SLURM)

        // One step reading every measurement (fan-in). `.hash` judges by content: a rebuilt input that
        // comes out byte-identical leaves this step clean.
        Rule("summary") { s in
            s.inputs = s.outputs(of: "measure")
            s.outputs = ["summary.txt"]
            s.recipe = "cat {inputs} > {output}"
        }
        .staleness(.hash)

        """
}
