// Package grievance is the domain of Nivaran: complaints and their status
// machine, the district's masters (departments, categories, areas, officers),
// routing, deadlines on a business calendar, the access rules of actors, the
// application error type and the service interfaces that storage implements.
//
// It imports only the standard library. Nothing here knows about HTTP or SQL.
package grievance

import "time"

// Clock returns the current time. Services take their clock from a field of
// this type so that deadline logic can be tested without sleeping.
type Clock func() time.Time
