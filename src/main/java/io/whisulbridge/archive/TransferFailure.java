package io.whisulbridge.archive;

/**
 * One attempt at one file failed. {@code permanent}: trying again cannot help (the asset is gone), so the part is
 * given up at once; otherwise it is retried with backoff until the archive deadline.
 */
public final class TransferFailure extends RuntimeException {

    private final boolean permanent;

    public TransferFailure(String message, boolean permanent) {
        super(message, null, false, false);
        this.permanent = permanent;
    }

    public boolean isPermanent() {
        return permanent;
    }

    static boolean isPermanent(Throwable failure) {
        return failure instanceof TransferFailure transfer && transfer.permanent;
    }
}
