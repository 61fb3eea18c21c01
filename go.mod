module nivaran

go 1.26.8
