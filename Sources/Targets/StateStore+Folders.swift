/// Folder products' trees as their steps left them (`folder_trees`: one row per folder product,
/// written with the step's success): what names the file behind "output changed" and `verify`'s
/// damage inside a folder. Added without a version change — a store without the table has no trees.
extension StateStore {
    static let foldersSchema = """
        CREATE TABLE IF NOT EXISTS folder_trees(path TEXT PRIMARY KEY, tree BLOB NOT NULL) WITHOUT ROWID;
        """

    public func saveTrees(_ trees: [(path: String, tree: FolderTree)]) throws {
        guard !trees.isEmpty else { return }
        try database.execute(Self.foldersSchema)
        try database.transaction {
            let upsert = try database.prepare("INSERT OR REPLACE INTO folder_trees(path, tree) VALUES (?, ?)")
            for (path, tree) in trees {
                upsert.bind(1, path); upsert.bind(2, tree.encoded())
                try upsert.run()
            }
        }
    }

    /// The recorded tree of each folder product (empty when none was recorded).
    public func loadTrees() -> [String: FolderTree] {
        guard let query = try? database.prepare("SELECT path, tree FROM folder_trees") else { return [:] }
        var result: [String: FolderTree] = [:]
        while (try? query.step()) == true {
            if let tree = FolderTree.decoded(query.bytes(1)) { result[query.string(0)] = tree }
        }
        return result
    }
}
