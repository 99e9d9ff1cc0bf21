package io.fjord.client.errors;

/**
 * Another producer with the same {@code transactional.id} has initialized since (PRODUCER_FENCED, or
 * INVALID_PRODUCER_EPOCH from the transaction coordinator): this producer can only be closed.
 */
public class ProducerFencedException extends ApiException {
    public ProducerFencedException(short code, String message) {
        super(code, ClientErrors.name(code), false, message);
    }
}
