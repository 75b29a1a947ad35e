package io.whisulbridge.deploy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import static io.whisulbridge.deploy.ManifestModel.list;
import static io.whisulbridge.deploy.ManifestModel.map;

/**
 * A small Kustomize, enough to render this project's overlays without the kustomize binary: it resolves every
 * reference of a kustomization (resources, patches and their targets) and fails on anything it does not model,
 * so an overlay that uses a new kustomize feature makes the tests fail until this class learns it.
 * Supported: resources (files inside the kustomization root, or directories holding a kustomization), namespace,
 * images, replicas, patches (strategic merge and JSON 6902, from a file or inline, with or without target,
 * {@code $patch: delete} of a whole resource). Stricter than kustomize: a patch or a replicas/images entry that
 * matches nothing is an error. Where kubectl is installed, KubectlKustomizeTest checks this against
 * {@code kubectl kustomize} output.
 */
final class MiniKustomize {

    static final Set<String> SUPPORTED_FIELDS = Set.of("apiVersion", "kind", "resources", "namespace", "images",
            "replicas", "patches");

    private static final Set<String> CLUSTER_SCOPED = Set.of("Namespace", "ClusterRole", "ClusterRoleBinding",
            "CustomResourceDefinition", "PersistentVolume", "StorageClass", "PriorityClass", "IngressClass",
            "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration");

    /** A rendered resource and the file it came from. */
    static final class Resource {
        final Map<String, Object> object;
        final String source;

        Resource(Map<String, Object> object, String source) {
            this.object = object;
            this.source = source;
        }

        String apiVersion() {
            return (String) object.get("apiVersion");
        }

        String kind() {
            return (String) object.get("kind");
        }

        String name() {
            return (String) map(object.get("metadata"), source).get("name");
        }

        String namespace() {
            return (String) map(object.get("metadata"), source).get("namespace");
        }

        String group() {
            String v = apiVersion();
            return v.contains("/") ? v.substring(0, v.indexOf('/')) : "";
        }

        String version() {
            String v = apiVersion();
            return v.contains("/") ? v.substring(v.indexOf('/') + 1) : v;
        }

        String id() {
            return apiVersion() + "/" + kind() + "/" + (namespace() == null ? "~" : namespace()) + "/" + name();
        }

        @Override
        public String toString() {
            return kind() + " " + name() + " (" + source + ")";
        }
    }

    /** Every file a kustomization tree references, for the orphan check. */
    final Set<Path> referencedFiles = new LinkedHashSet<>();

    static Path kustomizationFile(Path dir) {
        for (String n : List.of("kustomization.yaml", "kustomization.yml", "Kustomization")) {
            if (Files.isRegularFile(dir.resolve(n))) {
                return dir.resolve(n);
            }
        }
        return null;
    }

    List<Resource> build(Path dir) {
        return build(dir.toAbsolutePath().normalize(), new LinkedHashSet<>());
    }

    private List<Resource> build(Path dir, Set<Path> stack) {
        if (!stack.add(dir)) {
            throw new AssertionError("kustomization cycle through " + DeployFiles.rel(dir));
        }
        Path kfile = kustomizationFile(dir);
        if (kfile == null) {
            throw new AssertionError(DeployFiles.rel(dir) + " has no kustomization.yaml");
        }
        referencedFiles.add(kfile);
        String where = DeployFiles.rel(kfile);
        List<Object> docs = ManifestModel.readDocuments(kfile);
        if (docs.size() != 1) {
            throw new AssertionError(where + ": expected exactly one document");
        }
        Map<String, Object> k = map(docs.get(0), where);
        for (String field : k.keySet()) {
            if (!SUPPORTED_FIELDS.contains(field)) {
                throw new AssertionError(where + ": field '" + field + "' is not modelled by the test renderer "
                        + "(MiniKustomize supports " + SUPPORTED_FIELDS + "); extend it before using the field");
            }
        }
        if (!"kustomize.config.k8s.io/v1beta1".equals(k.get("apiVersion")) || !"Kustomization".equals(k.get("kind"))) {
            throw new AssertionError(where + ": must be apiVersion kustomize.config.k8s.io/v1beta1, kind Kustomization");
        }

        // resources
        List<Resource> resources = new ArrayList<>();
        for (Object entry : k.containsKey("resources") ? list(k.get("resources"), where + ": resources") : List.of()) {
            if (!(entry instanceof String)) {
                throw new AssertionError(where + ": resources entries must be paths, got " + entry);
            }
            String ref = (String) entry;
            if (ref.contains("://") || ref.startsWith("github.com/")) {
                throw new AssertionError(where + ": remote resource " + ref + " (the manifests must render offline)");
            }
            Path p = dir.resolve(ref).normalize();
            if (Files.isDirectory(p)) {
                resources.addAll(build(p, stack));
            } else if (Files.isRegularFile(p)) {
                requireInside(dir, p, where);
                referencedFiles.add(p);
                for (Map<String, Object> obj : ManifestModel.readObjects(p)) {
                    resources.add(new Resource(obj, DeployFiles.rel(p)));
                }
            } else {
                throw new AssertionError(where + ": resource " + ref + " does not exist");
            }
        }
        checkUnique(resources, where);

        // patches (kustomize runs them before the namespace transformer)
        int patchIndex = 0;
        for (Object entry : k.containsKey("patches") ? list(k.get("patches"), where + ": patches") : List.of()) {
            String pwhere = where + ": patches[" + patchIndex++ + "]";
            Map<String, Object> patch = map(entry, pwhere);
            ManifestModel.allowOnly(patch, pwhere, "path", "patch", "target", "options");
            if (patch.containsKey("options")) {
                throw new AssertionError(pwhere + ": patch options are not modelled by the test renderer");
            }
            List<Object> patchDocs;
            if (patch.containsKey("path") == patch.containsKey("patch")) {
                throw new AssertionError(pwhere + ": needs exactly one of path or patch");
            } else if (patch.containsKey("path")) {
                Path p = dir.resolve((String) patch.get("path")).normalize();
                if (!Files.isRegularFile(p)) {
                    throw new AssertionError(pwhere + ": patch file " + patch.get("path") + " does not exist");
                }
                requireInside(dir, p, pwhere);
                referencedFiles.add(p);
                patchDocs = ManifestModel.readDocuments(p);
                pwhere = pwhere + " (" + DeployFiles.rel(p) + ")";
            } else {
                patchDocs = ManifestModel.readDocuments((String) patch.get("patch"), pwhere);
            }
            if (patchDocs.size() != 1) {
                throw new AssertionError(pwhere + ": a patch must be one document");
            }
            Object body = patchDocs.get(0);
            Map<String, Object> target = patch.containsKey("target") ? map(patch.get("target"), pwhere + ": target") : null;
            if (target != null) {
                ManifestModel.allowOnly(target, pwhere + ": target", "group", "version", "kind", "name", "namespace",
                        "labelSelector", "annotationSelector");
                if (target.containsKey("labelSelector") || target.containsKey("annotationSelector")) {
                    throw new AssertionError(pwhere + ": label/annotation selectors are not modelled by the test renderer");
                }
            }
            if (body instanceof List) {
                if (target == null) {
                    throw new AssertionError(pwhere + ": a JSON 6902 patch needs a target");
                }
                List<Resource> matched = select(resources, target, pwhere);
                for (Resource r : matched) {
                    JsonPatch.apply(r.object, list(body, pwhere), pwhere + " on " + r);
                }
            } else {
                Map<String, Object> smp = map(body, pwhere);
                List<Resource> matched;
                if (target != null) {
                    matched = select(resources, target, pwhere);
                } else {
                    Map<String, Object> sel = new LinkedHashMap<>();
                    String apiVersion = (String) smp.get("apiVersion");
                    sel.put("kind", smp.get("kind"));
                    sel.put("name", map(smp.get("metadata"), pwhere + ": metadata").get("name"));
                    if (apiVersion != null) {
                        sel.put("group", apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "");
                        sel.put("version", apiVersion.contains("/") ? apiVersion.substring(apiVersion.indexOf('/') + 1) : apiVersion);
                    }
                    matched = select(resources, sel, pwhere);
                    if (matched.size() != 1) {
                        throw new AssertionError(pwhere + ": a patch without target must match exactly one resource, matched " + matched);
                    }
                }
                if ("delete".equals(smp.get("$patch"))) {
                    resources.removeAll(matched);
                    continue;
                }
                for (Resource r : matched) {
                    Map<String, Object> p = deepCopy(smp);
                    if (target != null) {
                        // With a target, kustomize ignores the patch's own identity fields.
                        p.remove("apiVersion");
                        p.remove("kind");
                        Map<String, Object> meta = p.get("metadata") instanceof Map ? map(p.get("metadata"), pwhere) : null;
                        if (meta != null) {
                            meta.remove("name");
                            meta.remove("namespace");
                            if (meta.isEmpty()) {
                                p.remove("metadata");
                            }
                        }
                    }
                    StrategicMerge.merge(r.object, p, isBuiltIn(r), pwhere + " on " + r);
                }
            }
        }

        // namespace
        if (k.containsKey("namespace")) {
            String ns = (String) k.get("namespace");
            for (Resource r : resources) {
                if ("Namespace".equals(r.kind())) {
                    if (!ns.equals(r.name())) {
                        throw new AssertionError(where + ": Namespace " + r.name() + " differs from namespace: " + ns
                                + " (kustomize would rename it)");
                    }
                } else if (!CLUSTER_SCOPED.contains(r.kind())) {
                    map(r.object.get("metadata"), r.source).put("namespace", ns);
                }
            }
        }

        // replicas
        for (Object entry : k.containsKey("replicas") ? list(k.get("replicas"), where + ": replicas") : List.of()) {
            Map<String, Object> rep = map(entry, where + ": replicas");
            ManifestModel.allowOnly(rep, where + ": replicas", "name", "count");
            boolean hit = false;
            for (Resource r : resources) {
                if (Set.of("Deployment", "StatefulSet", "ReplicaSet", "ReplicationController").contains(r.kind())
                        && r.name().equals(rep.get("name"))) {
                    map(r.object.get("spec"), r.source).put("replicas", rep.get("count"));
                    hit = true;
                }
            }
            if (!hit) {
                throw new AssertionError(where + ": replicas entry " + rep.get("name") + " matches no workload");
            }
        }

        // images
        for (Object entry : k.containsKey("images") ? list(k.get("images"), where + ": images") : List.of()) {
            Map<String, Object> img = map(entry, where + ": images");
            ManifestModel.allowOnly(img, where + ": images", "name", "newName", "newTag", "digest");
            int hits = 0;
            for (Resource r : resources) {
                hits += rewriteImages(r.object, img);
            }
            if (hits == 0) {
                throw new AssertionError(where + ": images entry " + img.get("name") + " matches no container");
            }
        }

        checkUnique(resources, where);
        stack.remove(dir);
        return resources;
    }

    private static void requireInside(Path root, Path file, String where) {
        if (!file.startsWith(root)) {
            throw new AssertionError(where + ": " + file + " is outside the kustomization root " + root
                    + " (kustomize's load restrictor rejects it)");
        }
    }

    private static void checkUnique(List<Resource> resources, String where) {
        Set<String> ids = new LinkedHashSet<>();
        for (Resource r : resources) {
            if (!ids.add(r.id())) {
                throw new AssertionError(where + ": resource " + r.id() + " appears twice");
            }
        }
    }

    private static List<Resource> select(List<Resource> resources, Map<String, Object> target, String where) {
        List<Resource> out = new ArrayList<>();
        for (Resource r : resources) {
            if (target.get("kind") != null && !target.get("kind").equals(r.kind())) {
                continue;
            }
            if (target.get("name") != null && !target.get("name").equals(r.name())) {
                continue;
            }
            if (target.get("group") != null && !target.get("group").equals(r.group())) {
                continue;
            }
            if (target.get("version") != null && !target.get("version").equals(r.version())) {
                continue;
            }
            if (target.get("namespace") != null && !target.get("namespace").equals(r.namespace())) {
                continue;
            }
            out.add(r);
        }
        if (out.isEmpty()) {
            throw new AssertionError(where + ": patch target " + target + " matches no resource");
        }
        return out;
    }

    static boolean isBuiltIn(Resource r) {
        String g = r.group();
        return g.isEmpty() || !g.contains(".") || g.endsWith(".k8s.io");
    }

    @SuppressWarnings("unchecked")
    private static int rewriteImages(Object node, Map<String, Object> img) {
        int hits = 0;
        if (node instanceof Map) {
            for (Map.Entry<String, Object> e : ((Map<String, Object>) node).entrySet()) {
                if (Set.of("containers", "initContainers", "ephemeralContainers").contains(e.getKey())
                        && e.getValue() instanceof List) {
                    for (Object c : (List<Object>) e.getValue()) {
                        if (c instanceof Map && ((Map<String, Object>) c).get("image") instanceof String) {
                            Map<String, Object> container = (Map<String, Object>) c;
                            String image = (String) container.get("image");
                            String replaced = replaceImage(image, img);
                            if (replaced != null) {
                                container.put("image", replaced);
                                hits++;
                            }
                        }
                    }
                } else {
                    hits += rewriteImages(e.getValue(), img);
                }
            }
        } else if (node instanceof List) {
            for (Object o : (List<Object>) node) {
                hits += rewriteImages(o, img);
            }
        }
        return hits;
    }

    /** The image with the entry applied, or null when the entry's name does not match. */
    static String replaceImage(String image, Map<String, Object> img) {
        String name = image;
        String tag = null;
        String digest = null;
        int at = name.indexOf('@');
        if (at >= 0) {
            digest = name.substring(at + 1);
            name = name.substring(0, at);
        }
        int colon = name.lastIndexOf(':');
        if (colon > name.lastIndexOf('/')) {
            tag = name.substring(colon + 1);
            name = name.substring(0, colon);
        }
        if (!Objects.equals(name, img.get("name"))) {
            return null;
        }
        String newName = img.containsKey("newName") ? (String) img.get("newName") : name;
        if (img.containsKey("digest")) {
            return newName + "@" + img.get("digest");
        }
        if (img.containsKey("newTag")) {
            return newName + ":" + img.get("newTag");
        }
        return newName + (tag != null ? ":" + tag : "") + (digest != null ? "@" + digest : "");
    }

    @SuppressWarnings("unchecked")
    static <T> T deepCopy(T o) {
        if (o instanceof Map) {
            Map<String, Object> out = new LinkedHashMap<>();
            ((Map<String, Object>) o).forEach((k, v) -> out.put(k, deepCopy(v)));
            return (T) out;
        }
        if (o instanceof List) {
            List<Object> out = new ArrayList<>();
            ((List<Object>) o).forEach(v -> out.add(deepCopy(v)));
            return (T) out;
        }
        return o;
    }

    // ---- strategic merge patch ------------------------------------------------------------------------------------

    /**
     * Strategic merge as kustomize applies it: maps merge recursively and null deletes; for built-in kinds, lists
     * of objects with a Kubernetes patch merge key merge element-wise by that key, other lists are replaced; for
     * custom resources kustomize falls back to JSON merge patch (every list replaced).
     */
    static final class StrategicMerge {
        /** Kubernetes patchMergeKey of the list fields this project's kinds use. */
        private static final Map<String, String> MERGE_KEYS = Map.ofEntries(
                Map.entry("containers", "name"),
                Map.entry("initContainers", "name"),
                Map.entry("ephemeralContainers", "name"),
                Map.entry("env", "name"),
                Map.entry("volumes", "name"),
                Map.entry("imagePullSecrets", "name"),
                Map.entry("volumeMounts", "mountPath"),
                // listMapKeys topologyKey + whenUnsatisfiable (kustomize merges on both)
                Map.entry("topologySpreadConstraints", "topologyKey,whenUnsatisfiable"));

        private StrategicMerge() {
        }

        @SuppressWarnings("unchecked")
        static void merge(Map<String, Object> target, Map<String, Object> patch, boolean builtIn, String where) {
            for (Map.Entry<String, Object> e : patch.entrySet()) {
                String key = e.getKey();
                Object pv = e.getValue();
                if (key.startsWith("$")) {
                    throw new AssertionError(where + ": directive " + key + " is not modelled by the test renderer");
                }
                if (pv == null) {
                    target.remove(key);
                    continue;
                }
                Object tv = target.get(key);
                if (pv instanceof Map && tv instanceof Map) {
                    merge((Map<String, Object>) tv, (Map<String, Object>) pv, builtIn, where + "." + key);
                } else if (pv instanceof List && tv instanceof List && builtIn && mergeKey(key, (List<Object>) pv) != null) {
                    mergeList((List<Object>) tv, (List<Object>) pv, mergeKey(key, (List<Object>) pv), builtIn, where + "." + key);
                } else {
                    target.put(key, deepCopy(pv));
                }
            }
        }

        private static String mergeKey(String field, List<Object> patchList) {
            if ("ports".equals(field)) {
                // container ports merge by containerPort, Service ports by port
                boolean container = !patchList.isEmpty() && patchList.get(0) instanceof Map
                        && ((Map<?, ?>) patchList.get(0)).containsKey("containerPort");
                return container ? "containerPort" : "port";
            }
            return MERGE_KEYS.get(field);
        }

        /**
         * Merges list elements by key. Only elements already in the list can be merged or deleted: where kustomize
         * puts elements a strategic merge patch adds depends on both lists' order, which this renderer does not
         * model; add elements with a JSON 6902 "add" operation instead.
         */
        @SuppressWarnings("unchecked")
        private static void mergeList(List<Object> target, List<Object> patch, String mergeKey, boolean builtIn, String where) {
            List<String> keys = List.of(mergeKey.split(","));
            for (Object pe : patch) {
                Map<String, Object> pm = map(pe, where + "[]");
                List<Object> keyValue = new ArrayList<>();
                for (String k : keys) {
                    if (pm.get(k) == null) {
                        throw new AssertionError(where + ": list element without merge key " + k);
                    }
                    keyValue.add(pm.get(k));
                }
                Map<String, Object> existing = null;
                for (Object te : target) {
                    if (te instanceof Map) {
                        List<Object> tk = new ArrayList<>();
                        keys.forEach(k -> tk.add(((Map<String, Object>) te).get(k)));
                        if (tk.equals(keyValue)) {
                            existing = (Map<String, Object>) te;
                        }
                    }
                }
                if (existing == null) {
                    throw new AssertionError(where + ": the patch adds list element " + keyValue + "; adding elements by "
                            + "strategic merge is not modelled by the test renderer (kustomize's ordering), use a JSON 6902 add");
                }
                if ("delete".equals(pm.get("$patch"))) {
                    target.remove(existing);
                } else {
                    merge(existing, pm, builtIn, where + keyValue);
                }
            }
        }
    }

    // ---- JSON patch (RFC 6902) ----------------------------------------------------------------------------------

    static final class JsonPatch {
        private JsonPatch() {
        }

        @SuppressWarnings("unchecked")
        static void apply(Map<String, Object> doc, List<Object> ops, String where) {
            for (Object o : ops) {
                Map<String, Object> op = map(o, where + ": operation");
                String kind = (String) op.get("op");
                String path = (String) op.get("path");
                if (path == null || !path.startsWith("/")) {
                    throw new AssertionError(where + ": operation needs a path starting with /: " + op);
                }
                List<String> tokens = new ArrayList<>();
                for (String t : path.substring(1).split("/", -1)) {
                    tokens.add(t.replace("~1", "/").replace("~0", "~"));
                }
                Object parent = doc;
                for (String t : tokens.subList(0, tokens.size() - 1)) {
                    parent = child(parent, t, where + ": " + path);
                }
                String last = tokens.get(tokens.size() - 1);
                switch (Objects.toString(kind)) {
                    case "add":
                        ManifestModel.allowOnly(op, where, "op", "path", "value");
                        if (parent instanceof List) {
                            List<Object> l = (List<Object>) parent;
                            if ("-".equals(last)) {
                                l.add(deepCopy(op.get("value")));
                            } else {
                                l.add(index(l, last, true, where + ": " + path), deepCopy(op.get("value")));
                            }
                        } else {
                            map(parent, where + ": " + path).put(last, deepCopy(op.get("value")));
                        }
                        break;
                    case "replace":
                        ManifestModel.allowOnly(op, where, "op", "path", "value");
                        child(parent, last, where + ": replace " + path + " (must exist)");
                        if (parent instanceof List) {
                            ((List<Object>) parent).set(index((List<Object>) parent, last, false, where), deepCopy(op.get("value")));
                        } else {
                            map(parent, where).put(last, deepCopy(op.get("value")));
                        }
                        break;
                    case "remove":
                        ManifestModel.allowOnly(op, where, "op", "path");
                        child(parent, last, where + ": remove " + path + " (must exist)");
                        if (parent instanceof List) {
                            ((List<Object>) parent).remove(index((List<Object>) parent, last, false, where));
                        } else {
                            map(parent, where).remove(last);
                        }
                        break;
                    case "test":
                        ManifestModel.allowOnly(op, where, "op", "path", "value");
                        if (!Objects.equals(child(parent, last, where + ": test " + path), op.get("value"))) {
                            throw new AssertionError(where + ": test " + path + " failed");
                        }
                        break;
                    default:
                        throw new AssertionError(where + ": JSON patch op " + kind + " is not modelled by the test renderer");
                }
            }
        }

        @SuppressWarnings("unchecked")
        private static Object child(Object node, String token, String where) {
            if (node instanceof Map) {
                Map<String, Object> m = (Map<String, Object>) node;
                if (!m.containsKey(token)) {
                    throw new AssertionError(where + ": no '" + token + "'");
                }
                return m.get(token);
            }
            if (node instanceof List) {
                List<Object> l = (List<Object>) node;
                return l.get(index(l, token, false, where));
            }
            throw new AssertionError(where + ": cannot descend into " + node);
        }

        private static int index(List<Object> l, String token, boolean forAdd, String where) {
            int i;
            try {
                i = Integer.parseInt(token);
            } catch (NumberFormatException e) {
                throw new AssertionError(where + ": '" + token + "' is not a list index");
            }
            if (i < 0 || i > l.size() || (!forAdd && i == l.size())) {
                throw new AssertionError(where + ": index " + i + " out of bounds (" + l.size() + " elements)");
            }
            return i;
        }
    }
}
