// Package notify sends the SMS messages of Nivaran: it plans which messages a
// change to a complaint sends (Planner, a grievance.Messenger), renders them
// from DLT-registered templates and checks every text against its registered
// pattern before it is queued (Catalogue), and delivers the outbox through a
// gateway (Dispatcher with LogGateway, HTTPGateway or KannelGateway),
// following delivery reports back to the outbox (DLRHandler).
//
// Contract: a message is queued by the store in the transaction of the change
// that causes it (so it exists if and only if the change is committed), and
// its idempotency key keeps a repeated event from queuing it twice. The
// dispatcher marks a message sent only after the gateway accepted it. The one
// window for a duplicate SMS is a crash (or a failed outbox update) between
// the gateway's acceptance and the update that records it: the lease then
// expires and the message is sent again. The dispatcher narrows that window
// by updating right after each send, with a context that shutdown does not
// cancel. Delivery is therefore at least once, never silently dropped.
package notify

import "nivaran/internal/grievance"

// Audiences of a message.
const (
	Citizen = "citizen"
	Officer = "officer"
)

// Events that send messages. They are the Message.Event of the outbox and the
// event of a template.
const (
	EventRegistered    = "registered"
	EventForwarded     = "forwarded"
	EventReassigned    = "reassigned"
	EventEscalated     = "escalated"
	EventEscalatedAway = "escalated_away" // to the officer an overdue complaint left
	EventDueSoon       = "due_soon"
	EventResolved      = "resolved"
	EventRejected      = "rejected"
	EventReopened      = "reopened"
	EventOTP           = "otp"
	EventStatus        = "status"  // answer to an inbound "STATUS <number>"
	EventUnknown       = "unknown" // answer to a status request for no complaint of the sender
	EventHelp          = "help"    // answer to an inbound text that is not understood
)

// Slot names: what each {#var#} of a template is filled with.
const (
	VarNumber     = "number"     // complaint number, never truncated
	VarDepartment = "department" // department name in the recipient's language
	VarCategory   = "category"   // category name
	VarArea       = "area"       // area name
	VarDue        = "due"        // deadline, dd-mm-yyyy in the district's time zone
	VarTrack      = "track"      // the configured tracking URL (Planner TrackURL)
	VarOTP        = "otp"        // one-time code, never truncated
	VarStatus     = "status"     // status name in the recipient's language
)

// Slots lists, for every event and audience that has a template, the values
// its slots may use. A template names the order of its slots in Vars
// (defaulting to this order), so that a language may order them differently.
var slots = map[string][]string{
	key(EventRegistered, Citizen):    {VarNumber, VarDepartment, VarTrack},
	key(EventRegistered, Officer):    {VarNumber, VarCategory, VarArea, VarDue},
	key(EventForwarded, Officer):     {VarNumber, VarCategory, VarArea, VarDue},
	key(EventReassigned, Officer):    {VarNumber, VarCategory, VarArea, VarDue},
	key(EventEscalated, Officer):     {VarNumber, VarCategory, VarArea, VarDue},
	key(EventEscalatedAway, Officer): {VarNumber, VarCategory, VarArea},
	key(EventDueSoon, Officer):       {VarNumber, VarCategory, VarDue},
	key(EventResolved, Citizen):      {VarNumber, VarTrack},
	key(EventRejected, Citizen):      {VarNumber, VarTrack},
	key(EventReopened, Citizen):      {VarNumber, VarTrack},
	key(EventReopened, Officer):      {VarNumber, VarCategory, VarArea, VarDue},
	key(EventOTP, Citizen):           {VarOTP},
	key(EventStatus, Citizen):        {VarNumber, VarStatus, VarTrack},
	key(EventUnknown, Citizen):       {VarNumber},
	key(EventHelp, Citizen):          {},
}

var languages = []grievance.Lang{grievance.Hindi, grievance.English}

func key(event, audience string) string { return event + "/" + audience }
