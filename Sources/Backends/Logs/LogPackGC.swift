import Foundation

/// Keeps log packs from piling up: packs last written more than an age ago are merged into one
/// archive pack that keeps each step's latest log among them (its earlier attempts, older than the
/// age, are dropped), and the merged packs are removed once the archive is whole. A pack a running
/// array task may still append to (`inUse`) is never touched. dbuild killed midway leaves the
/// old packs beside a partial archive: a log is then found twice, never lost.
public enum LogPackGC {
    /// Returns how many packs were merged (0 when there was nothing to merge).
    public static func merge(folder: String, olderThan age: Double, now: Double = Date().timeIntervalSince1970,
                             inUse: (String) -> Bool) -> Int {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".pack") }
        let old = names.filter { name in
            var info = stat()
            guard stat(folder + "/" + name, &info) == 0, !inUse(String(name.dropLast(5))) else { return false }
            return now - Double(info.st_mtim.tv_sec) >= age
        }.sorted()
        guard old.count > 1 || (old.count == 1 && !old[0].hasPrefix("archive-")) else { return 0 }
        var latest: [String: StepLog] = [:]
        for name in old {
            let pack = folder + "/" + name
            for (step, log) in StepLogs.entries(pack: pack, index: String(pack.dropLast(5)) + ".index")
            where (latest[step]?.finishedAt ?? -1) <= log.finishedAt {
                latest[step] = log
            }
        }
        let archive = LogPackWriter(folder: folder, name: "archive-\(Int(now * 1000))")
        for (step, log) in latest.sorted(by: { $0.value.finishedAt < $1.value.finishedAt }) {
            guard let bytes = log.bytes(), archive.append(step: step, bytes: bytes, finishedAt: log.finishedAt) else {
                archive.close()
                return 0                  // the old packs stay: nothing is lost
            }
        }
        archive.close()
        for name in old {
            unlink(folder + "/" + name)
            unlink(folder + "/" + name.dropLast(5) + ".index")
        }
        return old.count
    }
}
