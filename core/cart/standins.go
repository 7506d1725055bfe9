package cart

import "context"

// PurchaseRecorder adds to what a customer bought: a stand-in for the orders area, which will
// maintain the purchase counter when it places and cancels orders. The adapters' Purchases
// stores implement it for tests and the dev seed; no cart use case calls it.
type PurchaseRecorder interface {
	RecordPurchase(ctx context.Context, userID, productID string, units int) error
}
