package io.whisulbridge.emulator;

import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * LRU of rendered files, bounded by bytes (a WAV is up to ~900 KB, so an entry count would bound nothing).
 * Used from the emulator's event loop only. Concurrent requests for the same file share one render.
 */
final class AssetCache {

    private final WorkerExecutor renderers;
    private final LinkedHashMap<String, Buffer> entries = new LinkedHashMap<>(64, 0.75f, true);
    private final Map<String, Future<Buffer>> inFlight = new HashMap<>();
    private long bytes;
    private long maxBytes;

    AssetCache(WorkerExecutor renderers, long maxBytes) {
        this.renderers = renderers;
        this.maxBytes = maxBytes;
    }

    Future<Buffer> get(String key, Callable<byte[]> render, Runnable onRendered) {
        Buffer hit = entries.get(key);
        if (hit != null) {
            return Future.succeededFuture(hit);
        }
        Future<Buffer> pending = inFlight.get(key);
        if (pending != null) {
            return pending;
        }
        Future<Buffer> f = renderers.<byte[]>executeBlocking(render, false).map(Buffer::buffer);
        inFlight.put(key, f);
        f.onComplete(ar -> {
            inFlight.remove(key);
            if (ar.succeeded()) {
                onRendered.run();
                put(key, ar.result());
            }
        });
        return f;
    }

    void maxBytes(long maxBytes) {
        this.maxBytes = maxBytes;
        evict();
    }

    void clear() {
        entries.clear();
        bytes = 0;
    }

    int size() {
        return entries.size();
    }

    private void put(String key, Buffer value) {
        if (value.length() > maxBytes) {
            return;
        }
        Buffer old = entries.put(key, value);
        if (old != null) {
            bytes -= old.length();
        }
        bytes += value.length();
        evict();
    }

    private void evict() {
        Iterator<Buffer> it = entries.values().iterator();
        while (bytes > maxBytes && it.hasNext()) {
            bytes -= it.next().length();
            it.remove();
        }
    }
}
