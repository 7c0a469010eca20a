/// Where products live outside the project folder: a named root, whose location each machine may
/// set (`root.lp = /pscratch/me/LP` in the defaults file, or `DBUILD_ROOT_LP`), so one Datafile runs
/// on two clusters. Paths under it are named by root and relative path (`@lp/m7/r3/plane_07.dat`),
/// never by location: records and hashes survive a moved disk.
///
///     let lp = Root("lp", default: "/mnt/ceph/hydro_replace_LP")
///     Rule("planes", over: ["model": models]) { s in
///         s.outputs = [lp["\(s.model)/plane_07.dat"]]
///     }
///
/// Several locations, newest first (a half-finished move): a product is found in the first that has
/// it; new products are written to the first.
public struct Root: Sendable {
    public let name: String

    /// - Parameters:
    ///   - location: absolute, or relative to the Datafile's folder.
    ///   - purgedAfterDays: the centre wipes files older than this from the root (a scratch file
    ///     system): a product under it that disappears is remade only when a step that reads it must
    ///     run; a final product (nothing reads it) that disappears is remade.
    @discardableResult
    public init(_ name: String, default location: String, purgedAfterDays: Int? = nil, file: String = #filePath, line: Int = #line) {
        self.init(name, locations: [location], purgedAfterDays: purgedAfterDays, file: file, line: line)
    }

    @discardableResult
    public init(_ name: String, locations: [String], purgedAfterDays: Int? = nil, file: String = #filePath, line: Int = #line) {
        self.name = name
        let here = Declaration(file: file, line: line)
        if name.isEmpty || !name.utf8.allSatisfy({ ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 95 }) {
            here.fail("root name \"\(name)\" is not usable; a root name is lowercase letters, digits and _ (it names an environment variable too)")
        }
        if locations.isEmpty || locations.contains(where: \.isEmpty) {
            here.fail("root \(name) needs at least one location, e.g. Root(\"\(name)\", default: \"/scratch/\(name)\")")
        }
        if let days = purgedAfterDays, days < 1 {
            here.fail("root \(name): purgedAfterDays = \(days); give the purge age in whole days, at least 1")
        }
        var description = RootDescription(name: name, locations: locations, line: line)
        description.purgedAfterDays = purgedAfterDays
        DatafileBuilder.shared.declareRoot(description, here)
    }

    /// The path of a product under this root, as dbuild names it.
    public subscript(_ path: String) -> String { "@" + name + "/" + path }
}

/// A root as the Datafile declares it: its name and default locations.
public struct RootDescription: Equatable, Sendable {
    public var name: String
    public var locations: [String]
    public var line: Int
    /// Files older than this many days are wiped from the root by the centre (nil: never).
    public var purgedAfterDays: Int?

    public init(name: String, locations: [String], line: Int) {
        self.name = name
        self.locations = locations
        self.line = line
    }
}
