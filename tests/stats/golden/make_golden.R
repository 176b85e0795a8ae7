# Golden values for hailong.stats, computed by R's survey package.
#
#   Rscript tests/stats/golden/make_golden.R [output folder]
#
# The output folder defaults to this script's own folder. The script writes two synthetic data sets
# (survey.csv, lonely.csv) and golden.json: for every case, the design (which columns, the lonely-PSU
# rule, any calibration), the R call and R's results with 17 significant digits. Only base R and the
# survey package are needed: the JSON is written by hand, no jsonlite.
#
# tests/stats/test_golden.py rebuilds every design with hailong.stats and compares; it also re-runs
# this script (when R is installed) and checks that the committed golden.json is reproduced.
#
# Notes on svyby (survey 4.1.1):
# - for a survey.design2, svyby(..., covmat = TRUE) computes the covariances between domains from
#   influence functions over the full design, so vcov() of a svyby result holds real between-domain
#   covariances and svycontrast() on it uses them;
# - on a calibrated design svyby(covmat = TRUE) stops with "number of items to replace is not a
#   multiple of replacement length"; there the domain figures come from one svytotal/svyratio on
#   domain indicator variables, which is the same computation (see domain_statistic);
# - with survey.lonely.psu = "average" a domain's standard error (FUN on the domain's subset) scales
#   by (strata the domain reaches) / (those not lonely), while vcov() scales by the whole design's
#   count: both are recorded (reported_se, vcov) and both are checked.

suppressPackageStartupMessages(library(survey))

arguments <- commandArgs(trailingOnly = TRUE)
script_file <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
output <- if (length(arguments) >= 1) arguments[1] else dirname(normalizePath(script_file))
dir.create(output, showWarnings = FALSE, recursive = TRUE)

# ---------------------------------------------------------------------------------------------------
# JSON by hand: named lists are objects, unnamed lists arrays, vectors of length 1 scalars (unless
# wrapped in I()), longer vectors arrays, matrices arrays of rows; numbers with 17 significant digits.

json_string <- function(s) {
  s <- gsub("\\", "\\\\", s, fixed = TRUE)
  s <- gsub("\"", "\\\"", s, fixed = TRUE)
  s <- gsub("\n", "\\n", s, fixed = TRUE)
  paste0("\"", s, "\"")
}

json_atom <- function(v) {
  if (is.na(v)) return("null")
  if (is.logical(v)) return(if (v) "true" else "false")
  if (is.character(v) || is.factor(v)) return(json_string(as.character(v)))
  if (!is.finite(v)) stop("JSON cannot hold ", v)
  sprintf("%.17g", v)
}

to_json <- function(x, depth = 0) {
  pad <- strrep("  ", depth + 1)
  close <- strrep("  ", depth)
  wrap <- function(items, open, end) {
    if (length(items) == 0) return(paste0(open, end))
    if (depth < 3) {
      paste0(open, "\n", pad, paste(items, collapse = paste0(",\n", pad)), "\n", close, end)
    } else {
      paste0(open, paste(items, collapse = ", "), end)
    }
  }
  if (is.null(x)) return("null")
  if (is.list(x)) {
    items <- vapply(x, to_json, "", depth = depth + 1)
    if (!is.null(names(x))) {
      return(wrap(paste0(json_string(names(x)), ": ", items), "{", "}"))
    }
    return(wrap(unname(items), "[", "]"))
  }
  if (is.matrix(x)) {
    rows <- lapply(seq_len(nrow(x)), function(i) I(unname(x[i, ])))
    return(paste0("[", paste(vapply(rows, to_json, "", depth = 99), collapse = ", "), "]"))
  }
  values <- unname(as.vector(if (is.factor(x)) as.character(x) else x))
  if (length(values) == 1 && !inherits(x, "AsIs")) return(json_atom(values))
  paste0("[", paste(vapply(values, json_atom, ""), collapse = ", "), "]")
}

# ---------------------------------------------------------------------------------------------------
# Data. Every numeric value is rounded to a few decimals so that the CSV (15 significant digits)
# holds exactly the numbers R used.

generate <- function(strata, psus, population_psus, rows_min, rows_max, domain_levels) {
  parts <- list()
  for (h in seq_along(strata)) {
    for (p in seq_len(psus[h])) {
      m <- sample(rows_min:rows_max, 1)
      parts[[length(parts) + 1]] <- data.frame(
        stratum = rep(strata[h], m), psu = rep(p, m), psu_effect = rep(rnorm(1, 0, 0.6), m),
        stringsAsFactors = FALSE
      )
    }
  }
  d <- do.call(rbind, parts)
  n <- nrow(d)
  h <- match(d$stratum, strata)
  d$cluster_id <- paste0(d$stratum, "-", d$psu)
  d$N_psu <- population_psus[h]
  d$f_psu <- psus[h] / population_psus[h]
  rows_h <- as.vector(table(factor(d$stratum, levels = strata)))
  multiplier <- rep(c(4, 5, 8, 10), length.out = length(strata))
  d$N_rows <- (rows_h * multiplier)[h]
  d$f_rows <- 1 / multiplier[h]
  d$w <- round(runif(n, 20, 180) * c(1, 1.6, 0.7, 2.2, 1.3, 0.9)[h], 3)
  d$dom <- sample(domain_levels, n, replace = TRUE, prob = c(0.3, 0.25, 0.2, 0.15, 0.1)[seq_along(domain_levels)])
  effect <- c(0.4, 0, -0.5, 0.8, -0.2)[match(d$dom, domain_levels)]
  d$x <- rbinom(n, 1, 0.85)
  d$y <- d$x * rbinom(n, 1, plogis(0.6 + effect + d$psu_effect))
  d$y_num <- round(rgamma(n, shape = 3, rate = 0.5) + 2 * d$psu_effect + effect, 2)
  for (j in 1:3) {
    xj <- rbinom(n, 1, c(0.8, 0.9, 0.7)[j])
    d[[paste0("x", j)]] <- xj
    d[[paste0("y", j)]] <- xj * rbinom(n, 1, plogis(c(0.2, 1, -0.3)[j] + effect + d$psu_effect))
  }
  d$rare <- rbinom(n, 1, 0.03)
  d$common <- 1 - rbinom(n, 1, 0.025)
  d$ps <- sample(c("p1", "p2", "p3"), n, replace = TRUE, prob = c(0.5, 0.3, 0.2))
  d$m1 <- sample(c("a", "b", "c"), n, replace = TRUE, prob = c(0.2, 0.5, 0.3))
  d$m2 <- sample(c("u", "v"), n, replace = TRUE, prob = c(0.6, 0.4))
  d$psu_effect <- NULL
  d
}

set.seed(20250701)
survey_data <- generate(
  strata = c("A", "B", "C", "D"), psus = c(6, 8, 5, 7), population_psus = c(20, 32, 25, 28),
  rows_min = 8, rows_max = 20, domain_levels = paste0("d", 1:5)
)
stopifnot(sum(survey_data$rare) >= 3, sum(survey_data$common) < nrow(survey_data) - 2)

set.seed(20250702)
lonely_data <- generate(
  strata = paste0("L", 1:6), psus = c(4, 3, 1, 5, 1, 3), population_psus = c(10, 9, 2, 12, 3, 8),
  rows_min = 6, rows_max = 16, domain_levels = paste0("d", 1:5)
)
# A census stratum (its one PSU is the whole population) is not lonely: R's onestrat returns 0
# before looking at lonely.psu.
lonely_data$N_psu_census <- ifelse(lonely_data$stratum == "L3", 1, lonely_data$N_psu)
# Domain d5 never meets the lonely strata, so "average" is checked on a domain that misses them.
lonely_data$dom[lonely_data$stratum %in% c("L3", "L5") & lonely_data$dom == "d5"] <- "d1"

datasets <- list(survey = survey_data, lonely = lonely_data)
for (name in names(datasets)) {
  write.csv(datasets[[name]], file.path(output, paste0(name, ".csv")), row.names = FALSE)
}

# ---------------------------------------------------------------------------------------------------
# Designs.

weighted_counts <- function(data, variable) tapply(data$w, data[[variable]], sum)

post_population <- round(weighted_counts(survey_data, "ps") * c(1.12, 0.86, 1.05))
total_population <- sum(round(weighted_counts(survey_data, "m1") * c(0.9, 1.1, 1.05)))
m1_population <- round(weighted_counts(survey_data, "m1") * c(0.9, 1.1, 1.05))
m2_share <- weighted_counts(survey_data, "m2") * c(1.15, 0.8)
m2_population <- round(m2_share / sum(m2_share) * total_population)
m2_population[2] <- total_population - m2_population[1]

as_population <- function(table) as.list(setNames(as.numeric(table), names(table)))
lonely_post <- list(type = "post", variable = "ps",
                    population = as_population(round(weighted_counts(lonely_data, "ps") * c(0.9, 1.2, 1.1))))

post <- list(type = "post", variable = "ps", population = as_population(post_population))
raking <- list(type = "rake", margins = list(
  list(variable = "m1", population = as_population(m1_population)),
  list(variable = "m2", population = as_population(m2_population))
))

spec <- function(data, weights = NULL, strata = NULL, clusters = NULL, fpc = NULL, lonely_psu = "fail",
                 calibration = NULL) {
  list(data = data, weights = weights, strata = strata, clusters = clusters, fpc = fpc,
       lonely_psu = lonely_psu, calibration = calibration)
}

designs <- list(
  weights_only = spec("survey", weights = "w"),
  stratified = spec("survey", weights = "w", strata = "stratum"),
  clustered = spec("survey", weights = "w", clusters = "cluster_id"),
  stratified_clustered = spec("survey", weights = "w", strata = "stratum", clusters = "psu"),
  stratified_clustered_fpc = spec("survey", weights = "w", strata = "stratum", clusters = "psu", fpc = "N_psu"),
  stratified_clustered_fpc_fraction = spec("survey", weights = "w", strata = "stratum", clusters = "psu", fpc = "f_psu"),
  stratified_fpc_no_weights = spec("survey", strata = "stratum", fpc = "N_rows"),
  stratified_fpc_fraction_no_weights = spec("survey", strata = "stratum", fpc = "f_rows"),
  poststratified = spec("survey", weights = "w", strata = "stratum", clusters = "psu", calibration = post),
  poststratified_fpc = spec("survey", weights = "w", strata = "stratum", clusters = "psu", fpc = "N_psu",
                            calibration = post),
  raked = spec("survey", weights = "w", strata = "stratum", clusters = "psu", calibration = raking),
  raked_weights_only = spec("survey", weights = "w", calibration = raking),
  lonely_remove = spec("lonely", weights = "w", strata = "stratum", clusters = "psu", lonely_psu = "remove"),
  lonely_certainty = spec("lonely", weights = "w", strata = "stratum", clusters = "psu", lonely_psu = "certainty"),
  lonely_adjust = spec("lonely", weights = "w", strata = "stratum", clusters = "psu", lonely_psu = "adjust"),
  lonely_average = spec("lonely", weights = "w", strata = "stratum", clusters = "psu", lonely_psu = "average"),
  lonely_fpc_certainty = spec("lonely", weights = "w", strata = "stratum", clusters = "psu", fpc = "N_psu",
                              lonely_psu = "certainty"),
  lonely_fpc_adjust = spec("lonely", weights = "w", strata = "stratum", clusters = "psu", fpc = "N_psu",
                           lonely_psu = "adjust"),
  lonely_fpc_average = spec("lonely", weights = "w", strata = "stratum", clusters = "psu", fpc = "N_psu",
                            lonely_psu = "average"),
  lonely_census_average = spec("lonely", weights = "w", strata = "stratum", clusters = "psu",
                               fpc = "N_psu_census", lonely_psu = "average"),
  # A calibrated design's domain subsets keep every row, so "average" scales every domain alike.
  lonely_average_poststratified = spec("lonely", weights = "w", strata = "stratum", clusters = "psu",
                                       lonely_psu = "average", calibration = lonely_post),
  lonely_census_adjust = spec("lonely", weights = "w", strata = "stratum", clusters = "psu",
                              fpc = "N_psu_census", lonely_psu = "adjust")
)
failing_designs <- list(
  lonely_fail = spec("lonely", weights = "w", strata = "stratum", clusters = "psu", lonely_psu = "fail"),
  lonely_census_fail = spec("lonely", weights = "w", strata = "stratum", clusters = "psu",
                            fpc = "N_psu_census", lonely_psu = "fail")
)

one_sided <- function(column) as.formula(paste0("~", column))

build <- function(s) {
  data <- datasets[[s$data]]
  arguments <- list(ids = if (is.null(s$clusters)) ~1 else one_sided(s$clusters), data = data, nest = TRUE)
  if (!is.null(s$strata)) arguments$strata <- one_sided(s$strata)
  if (!is.null(s$weights)) arguments$weights <- one_sided(s$weights)
  if (!is.null(s$fpc)) arguments$fpc <- one_sided(s$fpc)
  des <- do.call(svydesign, arguments)
  calibration <- s$calibration
  if (!is.null(calibration) && calibration$type == "post") {
    population <- data.frame(names(calibration$population), unlist(calibration$population))
    names(population) <- c(calibration$variable, "Freq")
    des <- postStratify(des, one_sided(calibration$variable), population)
  }
  if (!is.null(calibration) && calibration$type == "rake") {
    margins <- lapply(calibration$margins, function(m) one_sided(m$variable))
    populations <- lapply(calibration$margins, function(m) {
      population <- data.frame(names(m$population), unlist(m$population))
      names(population) <- c(m$variable, "Freq")
      population
    })
    des <- rake(des, margins, populations)
  }
  # Domain indicator variables, for a domain figure against the whole-population one.
  update(
    des,
    y_d1 = y * (dom == "d1"), x_d1 = x * (dom == "d1"),
    y_num_d1 = y_num * (dom == "d1"), one_d1 = as.numeric(dom == "d1"), one = 1
  )
}

# ---------------------------------------------------------------------------------------------------
# Cases.

cases <- list()
add <- function(id, design_name, design_spec, call, estimator, result) {
  cases[[length(cases) + 1]] <<- list(
    id = paste0(design_name, "/", id), design_name = design_name, design = design_spec, call = call,
    estimator = estimator, result = result
  )
}

run <- function(call, des) {
  eval(parse(text = call), envir = list(des = des), enclos = globalenv())
}

domain_levels <- function(des) sort(unique(as.character(des$variables$dom)))

# Domain figures with their covariances. svyby(covmat = TRUE) cannot do it on a calibrated design in
# survey 4.1.1 (its subsets keep every row, so the influence functions do not fit: "number of items
# to replace is not a multiple of replacement length"); there the same figures come from one
# svytotal/svyratio on domain indicator variables (v_Dk = v * [dom == level k]), which is what
# svyby computes on a subset: the score is zero outside the domain, within the full design.
domain_statistic <- function(kind, des, numerators, denominators = NULL) {
  levels <- domain_levels(des)
  if (is.null(des$postStrata)) {
    call <- switch(kind,
      total = sprintf("svyby(~%s, ~dom, des, svytotal, covmat = TRUE)", paste(numerators, collapse = " + ")),
      mean = sprintf("svyby(~%s, ~dom, des, svymean, covmat = TRUE)", paste(numerators, collapse = " + ")),
      ratio = sprintf("svyby(~%s, ~dom, des, svyratio, denominator = ~%s, covmat = TRUE)", numerators, denominators)
    )
    object <- run(call, des)
    return(list(call = call, object = object, names = names(coef(object))))
  }
  indicator <- function(v) sprintf("%s_D%d", v, seq_along(levels))
  for (v in unique(c(numerators, denominators, "one"))) {
    for (k in seq_along(levels)) {
      des$variables[[sprintf("%s_D%d", v, k)]] <- des$variables[[v]] * (des$variables$dom == levels[k])
    }
  }
  tops <- unlist(lapply(numerators, indicator))
  bottoms <- if (kind == "mean") indicator("one") else if (kind == "ratio") indicator(denominators) else NULL
  if (kind == "total") {
    call <- sprintf("svytotal(~%s, des)", paste(tops, collapse = " + "))
    wanted <- tops
  } else {
    call <- sprintf("svyratio(~%s, ~%s, des, covmat = TRUE)", paste(tops, collapse = " + "),
                    paste(bottoms, collapse = " + "))
    wanted <- paste0(tops, "/", rep(bottoms, length(numerators)))
  }
  # svyby without covmat does work: its standard errors are each domain's subset's, as R reports them.
  by_call <- switch(kind,
    total = sprintf("svyby(~%s, ~dom, des, svytotal)", paste(numerators, collapse = " + ")),
    mean = sprintf("svyby(~%s, ~dom, des, svymean)", paste(numerators, collapse = " + ")),
    ratio = sprintf("svyby(~%s, ~dom, des, svyratio, denominator = ~%s)", numerators, denominators)
  )
  list(call = paste0("[indicator variables] ", call, "; [reported_se] ", by_call), object = run(call, des),
       names = wanted, reported_se = as.vector(as.matrix(SE(run(by_call, des)))))
}

# Flat results in R's order: quantity-major, domain-minor (svyby's coef order).
picked_figures <- function(object, wanted, domains = NULL, reported_se = NULL) {
  estimates <- setNames(as.vector(coef(object)), names(coef(object)))
  covariance <- as.matrix(vcov(object))
  dimnames(covariance) <- list(names(coef(object)), names(coef(object)))
  list(
    names = I(wanted),
    domains = if (is.null(domains)) NULL else I(domains),
    estimate = I(unname(estimates[wanted])),
    se = I(unname(sqrt(diag(covariance)[wanted]))),
    # svyby's own standard errors (each domain's FUN on its subset), to compare with sqrt(diag(vcov)).
    reported_se = I(if (is.null(reported_se)) {
      unname(setNames(as.vector(as.matrix(SE(object))), names(coef(object)))[wanted])
    } else reported_se),
    vcov = unname(covariance[wanted, wanted, drop = FALSE])
  )
}

figures <- function(object, domains = NULL) picked_figures(object, names(coef(object)), domains)

battery <- function(name, s, des) {
  levels <- domain_levels(des)
  D <- length(levels)
  stat <- function(kind, numerators, denominators = NULL, domain = NULL) {
    list(kind = kind, numerators = I(numerators), denominators = if (is.null(denominators)) NULL else I(denominators),
         domain = domain)
  }

  call <- "svytotal(~y + y_num, des)"
  add("svytotal", name, s, call, stat("total", c("y", "y_num")), figures(run(call, des)))
  call <- "svymean(~y + y_num, des)"
  add("svymean", name, s, call, stat("mean", c("y", "y_num")), figures(run(call, des)))
  call <- "svyratio(~y, ~x, des, covmat = TRUE)"
  add("svyratio", name, s, call, stat("ratio", "y", "x"), figures(run(call, des)))

  by <- list(
    svytotal_by_domain = list(kind = "total", numerators = c("y", "y_num")),
    svymean_by_domain = list(kind = "mean", numerators = c("y", "y_num")),
    svyratio_by_domain = list(kind = "ratio", numerators = "y", denominators = "x")
  )
  computed <- list()
  for (id in names(by)) {
    b <- by[[id]]
    computed[[id]] <- domain_statistic(b$kind, des, b$numerators, b$denominators)
    add(id, name, s, computed[[id]]$call, stat(b$kind, b$numerators, b$denominators, domain = "dom"),
        picked_figures(computed[[id]]$object, computed[[id]]$names, levels, computed[[id]]$reported_se))
  }

  # svycontrast on svyby results (uses the between-domain covariances).
  contrasts <- list(
    svyratio_by_domain = list(
      d1_minus_d2 = c(1, -1, rep(0, D - 2)),
      mean_of_d3_and_d4 = c(0, 0, 0.5, 0.5, rep(0, D - 4)),
      d5_minus_mean_of_others = c(rep(-1 / (D - 1), D - 1), 1)
    ),
    svytotal_by_domain = list(d1_minus_d2 = c(1, -1, rep(0, 2 * D - 2))),
    svymean_by_domain = list(y_num_d2_minus_d4 = c(rep(0, D), 0, 1, 0, -1, rep(0, D - 4)))
  )
  for (id in names(contrasts)) {
    b <- by[[id]]
    for (contrast in names(contrasts[[id]])) {
      coefficients <- contrasts[[id]][[contrast]]
      named <- setNames(coefficients, computed[[id]]$names)
      call <- sprintf("svycontrast(%s, c(%s))", computed[[id]]$call,
                      paste(sprintf("`%s` = %.17g", names(named), named), collapse = ", "))
      result <- svycontrast(computed[[id]]$object, named)
      add(paste0("svycontrast_", id, "_", contrast), name, s, call,
          c(stat(b$kind, b$numerators, b$denominators, domain = "dom"), list(contrast = I(coefficients))),
          list(estimate = as.vector(coef(result)), se = as.vector(SE(result))))
    }
  }

  # A domain against the whole population: both ratios from one svyratio on indicator variables.
  overall <- list(
    ratio = list(call = "svyratio(~y_d1 + y, ~x_d1 + x, des, covmat = TRUE)", names = c("y_d1/x_d1", "y/x"),
                 estimator = stat("ratio", "y", "x", domain = "dom")),
    mean = list(call = "svyratio(~y_num_d1 + y_num, ~one_d1 + one, des, covmat = TRUE)",
                names = c("y_num_d1/one_d1", "y_num/one"), estimator = stat("mean", "y_num", domain = "dom")),
    total = list(call = "svytotal(~y_d1 + y, des)", names = c("y_d1", "y"),
                 estimator = stat("total", "y", domain = "dom"))
  )
  for (kind in names(overall)) {
    o <- overall[[kind]]
    both <- run(o$call, des)
    estimates <- setNames(as.vector(coef(both)), names(coef(both)))
    covariance <- as.matrix(vcov(both))
    rownames(covariance) <- colnames(covariance) <- names(coef(both))
    coefficients <- setNames(c(1, -1), o$names)
    difference <- svycontrast(both, coefficients)
    add(paste0(kind, "_domain_d1_minus_overall"), name, s,
        sprintf("svycontrast(%s, c(`%s` = 1, `%s` = -1))", o$call, o$names[1], o$names[2]),
        c(o$estimator, list(level = "d1")),
        list(
          domain_estimate = estimates[[o$names[1]]], overall_estimate = estimates[[o$names[2]]],
          domain_se = sqrt(covariance[o$names[1], o$names[1]]), overall_se = sqrt(covariance[o$names[2], o$names[2]]),
          covariance = covariance[o$names[1], o$names[2]],
          estimate = as.vector(coef(difference)), se = as.vector(SE(difference))
        ))
  }

  # Several ratios and their mean (the SIPAS "item_mean" criterion).
  call <- "svyratio(~y1 + y2 + y3, ~x1 + x2 + x3, des, covmat = TRUE)"
  items <- run(call, des)
  pairs <- c("y1/x1", "y2/x2", "y3/x3")
  add("svyratio_items", name, s, call, stat("ratio", c("y1", "y2", "y3"), c("x1", "x2", "x3")),
      picked_figures(items, pairs))
  call <- paste0(call, " |> svycontrast(c(`y1/x1` = 1/3, `y2/x2` = 1/3, `y3/x3` = 1/3))")
  item_mean <- svycontrast(items, setNames(rep(1 / 3, 3), pairs))
  add("item_mean", name, s, call,
      c(stat("combination", c("y1", "y2", "y3"), c("x1", "x2", "x3")), list(combination = I(rep(1 / 3, 3)))),
      list(estimate = I(as.vector(coef(item_mean))), se = I(as.vector(SE(item_mean)))))
  estimates <- ses <- numeric(0)
  for (level in levels) {
    sub <- subset(des, dom == level)
    r <- svyratio(~y1 + y2 + y3, ~x1 + x2 + x3, sub, covmat = TRUE)
    contrast <- svycontrast(r, setNames(rep(1 / 3, 3), pairs))
    estimates <- c(estimates, coef(contrast))
    ses <- c(ses, SE(contrast))
  }
  add("item_mean_by_domain", name, s,
      "for each level: svycontrast(svyratio(~y1 + y2 + y3, ~x1 + x2 + x3, subset(des, dom == level), covmat = TRUE), 1/3 each)",
      c(stat("combination", c("y1", "y2", "y3"), c("x1", "x2", "x3"), domain = "dom"),
        list(combination = I(rep(1 / 3, 3)))),
      list(domains = I(levels), estimate = I(unname(estimates)), se = I(unname(ses))))

  # Degrees of freedom and confidence intervals.
  add("degf", name, s, "degf(des)", list(kind = "degf"), list(df = degf(des)))
  for (variable in c("y", "rare", "common")) {
    m <- svymean(one_sided(variable), des)
    mean_result <- list(estimate = as.vector(coef(m)), se = as.vector(SE(m)))
    for (level in c(0.95, 0.9)) {
      call <- sprintf("confint(svymean(~%s, des), level = %s)", variable, level)
      ci <- run(call, des)
      add(sprintf("confint_normal_%s_%s", variable, level), name, s, call,
          list(kind = "interval", variable = variable, method = "normal", proportion = FALSE, level = level),
          c(mean_result, list(low = ci[1, 1], high = ci[1, 2])))
      call <- sprintf("confint(svymean(~%s, des), level = %s, df = degf(des))", variable, level)
      ci <- run(call, des)
      add(sprintf("confint_t_%s_%s", variable, level), name, s, call,
          list(kind = "interval", variable = variable, method = "t", proportion = FALSE, level = level),
          c(mean_result, list(low = ci[1, 1], high = ci[1, 2])))
    }
    # svyciprop's "xlogit" is the delta-method logit interval (svycontrast on svymean); "logit" fits
    # an intercept-only svyglm, the same interval up to the glm's convergence.
    for (method in c("xlogit", "logit")) {
      call <- sprintf("svyciprop(~%s, des, method = \"%s\", df = Inf)", variable, method)
      ci <- attr(run(call, des), "ci")
      add(sprintf("svyciprop_%s_normal_%s", method, variable), name, s, call,
          list(kind = "interval", variable = variable, method = "logit", proportion = FALSE, level = 0.95,
               r_method = method),
          c(mean_result, list(low = ci[[1]], high = ci[[2]])))
    }
    if (variable != "y") {
      # Near 0 or 1 the t interval with proportion=True switches to the logit scale: svyciprop's
      # default (df = degf(design)).
      for (method in c("xlogit", "logit")) {
        call <- sprintf("svyciprop(~%s, des, method = \"%s\")", variable, method)
        ci <- attr(run(call, des), "ci")
        add(sprintf("svyciprop_%s_t_%s", method, variable), name, s, call,
            list(kind = "interval", variable = variable, method = "t", proportion = TRUE, level = 0.95,
                 r_method = method),
            c(mean_result, list(low = ci[[1]], high = ci[[2]])))
      }
    }
  }
}

for (name in names(designs)) {
  s <- designs[[name]]
  options(survey.lonely.psu = s$lonely_psu)
  battery(name, s, build(s))
}
options(survey.lonely.psu = "fail")

for (name in names(failing_designs)) {
  s <- failing_designs[[name]]
  options(survey.lonely.psu = s$lonely_psu)
  des <- build(s)
  for (call in c("svymean(~y, des)", "svyby(~y, ~dom, des, svyratio, denominator = ~x, covmat = TRUE)")) {
    message <- tryCatch({
      run(call, des)
      stop("expected an error from ", call)
    }, error = function(e) conditionMessage(e))
    stratum <- sub("^Stratum \\(([^)]*)\\).*$", "\\1", message)
    estimator <- if (startsWith(call, "svymean")) list(kind = "mean", numerators = I("y"), domain = NULL) else
      list(kind = "ratio", numerators = I("y"), denominators = I("x"), domain = "dom")
    add(paste0("error_", estimator$kind), name, s, call, c(estimator, list(expect = "error")),
        list(error = message, stratum = stratum))
  }
}
options(survey.lonely.psu = "fail")

golden <- list(
  generator = "tests/stats/golden/make_golden.R",
  r_version = R.version.string,
  survey_version = as.character(packageVersion("survey")),
  datasets = list(survey = "survey.csv", lonely = "lonely.csv"),
  cases = cases
)
writeLines(to_json(golden), file.path(output, "golden.json"))
cat(sprintf("%d golden cases written to %s\n", length(cases), output))
